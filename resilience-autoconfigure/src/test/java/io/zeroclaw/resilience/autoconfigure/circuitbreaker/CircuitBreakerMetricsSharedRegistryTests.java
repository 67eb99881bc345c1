package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Child contexts that share their parent's breakers and meter registry (siblings built under one parent) bind each
 * breaker once: a call is counted once, and the meters stay while any of the contexts runs.
 */
class CircuitBreakerMetricsSharedRegistryTests {

	@Test
	void oneCallShouldBeCountedOnceAndTheMetersShouldOutliveTheFirstSiblingToClose() {
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
			parent.registerBean(MeterRegistry.class, SimpleMeterRegistry::new);
			parent.registerBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::new);
			parent.refresh();
			MeterRegistry meters = parent.getBean(MeterRegistry.class);
			ApplicationContextRunner children = new ApplicationContextRunner().withParent(parent)
				.withConfiguration(
						AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
				.withUserConfiguration(ProviderConfiguration.class)
				.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");
			children.run((first) -> {
				children.run((second) -> {
					second.getBean(Provider.class).simpleChat("hello", "model", 0.0);
					assertThat(successes(meters)).as("successful calls, after one call").isEqualTo(1.0);
				});
				assertThat(meters.find(CircuitBreakerMetrics.STATE).tag("name", "llm").gauges())
					.as("state gauges of the sibling still running").hasSize(3);
				first.getBean(Provider.class).simpleChat("hello", "model", 0.0);
				assertThat(successes(meters)).as("successful calls, after the other sibling closed").isEqualTo(2.0);
			});
			assertThat(meters.find(CircuitBreakerMetrics.STATE).gauges()).as("state gauges once both closed").isEmpty();
		}
	}

	private static double successes(MeterRegistry meters) {
		return meters.get(CircuitBreakerMetrics.CALLS).tags("name", "llm", "outcome", "success").counter().count();
	}

	@Configuration(proxyBeanMethods = false)
	static class ProviderConfiguration {

		@Bean
		Provider llm() {
			return (system, message, model, temperature) -> "ok";
		}

	}

}
