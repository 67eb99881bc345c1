package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A context removes, when it closes, every state gauge it registered, and only those: a gauge of the same name with
 * other tags is another meter, whoever registered it.
 */
class CircuitBreakerMetricsOwnGaugesTests {

	@Test
	void aContextShouldRemoveEveryStateGaugeItRegisteredWhenItCloses() {
		MeterRegistry meters = new SimpleMeterRegistry();
		Gauge.builder(CircuitBreakerMetrics.STATE, () -> 0)
			.tags("name", "llm", "state", "OPEN", "source", "legacy")
			.register(meters);
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withUserConfiguration(CircuitBreakerMetricsSharedRegistryTests.ProviderConfiguration.class)
			.withBean(MeterRegistry.class, () -> meters, (definition) -> definition.setDestroyMethodName(""))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> assertThat(meters.find(CircuitBreakerMetrics.STATE).tag("name", "llm").gauges())
				.hasSize(4));
		assertThat(meters.find(CircuitBreakerMetrics.STATE).tag("name", "llm").gauges())
			.as("state gauges left after the context closed: only the one registered before it")
			.hasSize(1);
	}

}
