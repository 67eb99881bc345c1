package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README: start-up fails for a @Prioritized method "declared by none of the interfaces of a class proxied by them".
 */
class PrioritizedOnAnotherInterfaceProxyTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	@Test
	void methodNoInterfaceDeclaresOnAnAsyncInterfaceProxyShouldFailStartUp() {
		this.runner.withUserConfiguration(AsyncConfiguration.class).run((context) -> {
			if (context.getStartupFailure() == null) {
				Object job = context.getBean("worker");
				assertThat(AopUtils.isJdkDynamicProxy(job)).as("@EnableAsync's proxy, by interfaces").isTrue();
			}
			assertThat(context).as("extra() is @Prioritized, but no caller can reach it through the proxy")
				.hasFailed();
		});
	}

	@Test
	void underSpringAopProxyTargetClassFalseShouldFailStartUpNamingTheMethod() {
		this.runner.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class))
			.withPropertyValues("spring.aop.proxy-target-class=false")
			.withUserConfiguration(AsyncConfiguration.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("has @Prioritized methods [extra] that none of its interfaces declares"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

		@Bean
		Worker worker() {
			return new Worker();
		}

	}

	interface Job {

		void run();

	}

	static class Worker implements Job {

		@Override
		@Async
		@Prioritized(Priority.LOW)
		public void run() {
		}

		@Prioritized(Priority.LOW)
		public void extra() {
		}

	}

}
