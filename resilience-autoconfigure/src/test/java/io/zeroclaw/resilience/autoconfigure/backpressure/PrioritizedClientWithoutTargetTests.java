package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.target.EmptyTargetSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client without a target, such as an HTTP interface client, whose last advice answers the call: its
 * {@code @Prioritized} methods are admitted for as long as that advice runs.
 */
class PrioritizedClientWithoutTargetTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
		.withUserConfiguration(ClientConfiguration.class);

	@Test
	void prioritizedMethodOfAClientWithoutATargetShouldBeAdmittedWhileItsAdviceAnswers() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(Quotes.class).quote()).isEqualTo("depth 1");
			assertThat(context.getBean(BackpressureController.class).depth()).isZero();
		});
	}

	public interface Quotes {

		@Prioritized(Priority.LOW)
		String quote();

	}

	@Configuration(proxyBeanMethods = false)
	static class ClientConfiguration {

		@Bean
		Quotes quotes(ObjectProvider<BackpressureController> controller) {
			ProxyFactory factory = new ProxyFactory();
			factory.addInterface(Quotes.class);
			factory.setTargetSource(EmptyTargetSource.INSTANCE);
			factory.addAdvice((MethodInterceptor) (invocation) -> "depth " + controller.getObject().depth());
			return (Quotes) factory.getProxy();
		}

	}

}
