package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The start-up WARN "no bean is a Provider ..., so no circuit breaker guards anything" for applications whose only
 * provider is made on first use: by a {@code FactoryBean} (as the class's own javadoc says, "the product of a
 * FactoryBean still gets its breaker when it is first made"), or behind a scoped proxy. Each does get a breaker; the
 * WARN tells the operator the opposite.
 */
@ExtendWith(OutputCaptureExtension.class)
class GuardNothingWarningFalsePositiveTests {

	private static final String WARNING = "so no circuit breaker guards anything";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void providerMadeByAFactoryBeanShouldNotBeReportedAsGuardingNothing(CapturedOutput output) {
		this.runner.withUserConfiguration(FactoryBeanConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Provider provider = context.getBean("acme", Provider.class);
			assertThat(AopUtils.isAopProxy(provider)).as("the provider is guarded").isTrue();
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("acme")).isPresent();
			assertThat(output).doesNotContain(WARNING);
		});
	}

	@Test
	void scopedProviderNotYetUsedShouldNotBeReportedAsGuardingNothing(CapturedOutput output) {
		this.runner.withUserConfiguration(ScopedConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Provider provider = context.getBean("scoped", Provider.class);
			assertThat(provider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("reply");
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("scoped")).isPresent();
			assertThat(output).doesNotContain(WARNING);
		});
	}

	@Test
	void lazyProviderNotYetUsedShouldNotBeReportedAsGuardingNothing(CapturedOutput output) {
		this.runner.withUserConfiguration(LazyConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBeanFactory().containsSingleton("lazy")).isFalse();
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("lazy")).isPresent();
			assertThat(output).doesNotContain(WARNING);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class LazyConfiguration {

		@Bean
		@Lazy
		ReplyingProvider lazy() {
			return new ReplyingProvider();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FactoryBeanConfiguration {

		@Bean
		AcmeProviderFactoryBean acme() {
			return new AcmeProviderFactoryBean();
		}

	}

	static class AcmeProviderFactoryBean implements FactoryBean<Provider> {

		@Override
		public Provider getObject() {
			return new ReplyingProvider();
		}

		@Override
		public Class<?> getObjectType() {
			return Provider.class;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ScopedConfiguration {

		@Bean
		@Scope(value = "prototype", proxyMode = ScopedProxyMode.TARGET_CLASS)
		ReplyingProvider scoped() {
			return new ReplyingProvider();
		}

	}

	static class ReplyingProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "reply";
		}

	}

}
