package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Child contexts that share their parent's breakers (each defines the parent's registry as its own) and meter
 * registry (siblings built under one parent) bind each breaker once: a call is counted once, and the meters stay
 * while any of the contexts runs.
 */
@ExtendWith(OutputCaptureExtension.class)
class CircuitBreakerMetricsSharedRegistryTests {

	@Test
	void oneCallShouldBeCountedOnceAndTheMetersShouldOutliveTheFirstSiblingToClose() {
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
			parent.registerBean(MeterRegistry.class, SimpleMeterRegistry::new);
			parent.registerBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::new);
			parent.refresh();
			MeterRegistry meters = parent.getBean(MeterRegistry.class);
			ApplicationContextRunner children = sharingChildren(parent);
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

	@Test
	void anOlderSiblingClosingShouldNotRemoveTheGaugesOfANewerOne() {
		// siblings with breakers of their own under one name: the meter is whoever registered it first
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
			parent.registerBean(MeterRegistry.class, SimpleMeterRegistry::new);
			parent.refresh();
			MeterRegistry meters = parent.getBean(MeterRegistry.class);
			ApplicationContextRunner children = children(parent);
			children.run((a) -> children.run((b) -> {
				a.close();
				children.run((c) -> {
					assertThat(meters.find(CircuitBreakerMetrics.STATE).tag("name", "llm").gauges()).hasSize(3);
					b.close();
					assertThat(meters.find(CircuitBreakerMetrics.STATE).tag("name", "llm").gauges())
						.as("gauges of the running context after an older one closed").hasSize(3);
				});
			}));
		}
	}

	@Test
	void bindingThatFailsHalfWayShouldLeaveNoStateGaugesBehind() {
		MeterRegistry meters = new SimpleMeterRegistry();
		Gauge.builder(CircuitBreakerMetrics.STATE, () -> 1).tag("name", "llm").tag("state", "OPEN").register(meters);
		Counter.builder(CircuitBreakerMetrics.STATE).tag("name", "llm").tag("state", "HALF_OPEN").register(meters);
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withUserConfiguration(ProviderConfiguration.class)
			.withBean(MeterRegistry.class, () -> meters, (definition) -> definition.setDestroyMethodName(""))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> assertThat(context).hasFailed());
		assertThat(meters.find(CircuitBreakerMetrics.STATE).gauges())
			.as("state gauges left by a context that failed to start: only the one registered before it")
			.hasSize(1);
	}

	@Test
	void oneOpeningOfASharedBreakerShouldBeLoggedOnceWhileTwoSiblingsRun(CapturedOutput output) {
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
			parent.registerBean(MeterRegistry.class, SimpleMeterRegistry::new);
			parent.registerBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::new);
			parent.refresh();
			ApplicationContextRunner children = new ApplicationContextRunner().withParent(parent)
				.withConfiguration(
						AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
				.withUserConfiguration(SharedBreakerRegistryRestartTests.FailingProviderConfiguration.class)
				.withBean(CircuitBreakerRegistry.class, () -> parent.getBean(CircuitBreakerRegistry.class))
				.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
						"zeroclaw.resilience.circuit-breaker.failure-threshold=1");
			children.run((first) -> children.run((second) -> {
				assertThatIllegalStateException()
					.isThrownBy(() -> second.getBean(Provider.class).simpleChat("hello", "model", 0.0));
				assertThat(output.getOut().split("Circuit breaker 'failingProvider' opened", -1))
					.as("WARN lines for the one opening of the shared breaker, and one more part").hasSize(2);
			}));
		}
	}

	private static ApplicationContextRunner children(AnnotationConfigApplicationContext parent) {
		return new ApplicationContextRunner().withParent(parent)
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withUserConfiguration(ProviderConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");
	}

	/** Children that share the parent's breakers: each defines the parent's registry as its own. */
	private static ApplicationContextRunner sharingChildren(AnnotationConfigApplicationContext parent) {
		return children(parent)
			.withBean(CircuitBreakerRegistry.class, () -> parent.getBean(CircuitBreakerRegistry.class));
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
