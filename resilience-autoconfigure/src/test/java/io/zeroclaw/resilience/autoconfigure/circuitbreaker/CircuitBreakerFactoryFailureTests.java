package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** An application's {@link CircuitBreakerFactory} that answers {@code null}: start-up fails naming it and the bean. */
class CircuitBreakerFactoryFailureTests {

	@Test
	void factoryAnsweringNoBreakerShouldFailStartUpNamingItAndTheBean() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withUserConfiguration(CircuitBreakerAutoConfigurationTests.ProviderConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.withBean("myBreakerFactory", CircuitBreakerFactory.class, () -> (name) -> null)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("CircuitBreakerFactory")
					.hasMessageContaining("'scriptedProvider'");
			});
	}

}
