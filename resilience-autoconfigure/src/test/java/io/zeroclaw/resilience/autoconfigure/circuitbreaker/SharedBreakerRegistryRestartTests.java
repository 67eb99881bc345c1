package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
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
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * A {@link CircuitBreakerRegistry} that outlives the context (an application's own bean shared by the contexts it
 * restarts, or one from a parent context that child contexts come and go under), as a {@code MeterRegistry} may: once
 * a context closed, nothing of it stays hooked to the breakers, neither its state-change publisher (which would log
 * every transition once more per closed context) nor its call counters.
 */
@ExtendWith(OutputCaptureExtension.class)
class SharedBreakerRegistryRestartTests {

	private final CircuitBreakerRegistry shared = new CircuitBreakerRegistry();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(FailingProviderConfiguration.class)
		.withBean(CircuitBreakerRegistry.class, () -> this.shared)
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1");

	@Test
	void aClosedContextShouldNoLongerHearOfTheBreakersOfARegistryThatOutlivesIt(CapturedOutput output) {
		List<MeterRegistry> closedMeters = new ArrayList<>();
		for (int restart = 0; restart < 3; restart++) {
			this.contextRunner.run((context) -> closedMeters.add(context.getBean(MeterRegistry.class)));
		}
		int logLinesBefore = countOpenedLines(output);
		// The application as it runs now: its provider fails once, which opens the shared breaker.
		this.contextRunner.run((context) -> {
			assertThatIllegalStateException()
				.isThrownBy(() -> context.getBean(Provider.class).simpleChat("hello", "model", 0.0));
			assertThat(this.shared.find("failingProvider")).get()
				.extracting((breaker) -> breaker.state())
				.isEqualTo(CircuitState.OPEN);
		});
		int openedLogLines = countOpenedLines(output) - logLinesBefore;
		double countedByClosedContexts = closedMeters.stream()
			.mapToDouble((meters) -> meters.counter(CircuitBreakerMetrics.CALLS, "name", "failingProvider", "outcome",
					"failure").count())
			.sum();
		assertSoftly((softly) -> {
			softly.assertThat(openedLogLines).as("WARN lines for the one opening of the breaker").isEqualTo(1);
			softly.assertThat(countedByClosedContexts).as("calls counted in the meter registries of closed contexts")
				.isZero();
		});
	}

	/**
	 * The same with the registry in a parent context, which child contexts restarted under it share (each defines
	 * it as a bean of its own; a child does not take its parent's): each child closed stays hooked to the parent's
	 * breakers.
	 */
	@Test
	void closedChildContextsShouldNoLongerHearOfTheBreakersOfTheirParent(CapturedOutput output) {
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
			parent.registerBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::new);
			parent.refresh();
			ApplicationContextRunner children = new ApplicationContextRunner().withParent(parent)
				.withConfiguration(
						AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
				.withUserConfiguration(FailingProviderConfiguration.class)
				.withBean(CircuitBreakerRegistry.class, () -> parent.getBean(CircuitBreakerRegistry.class))
				.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
						"zeroclaw.resilience.circuit-breaker.failure-threshold=1");
			for (int restart = 0; restart < 3; restart++) {
				children.run((child) -> assertThat(child.getBean(CircuitBreakerRegistry.class))
					.isSameAs(parent.getBean(CircuitBreakerRegistry.class)));
			}
			int before = countOpenedLines(output);
			children.run((child) -> assertThatIllegalStateException()
				.isThrownBy(() -> child.getBean(Provider.class).simpleChat("hello", "model", 0.0)));
			assertThat(countOpenedLines(output) - before).as("WARN lines for the one opening of the breaker")
				.isEqualTo(1);
		}
	}

	private static int countOpenedLines(CapturedOutput output) {
		return output.getOut().split("Circuit breaker 'failingProvider' opened", -1).length - 1;
	}

	@Configuration(proxyBeanMethods = false)
	static class FailingProviderConfiguration {

		@Bean
		Provider failingProvider() {
			return (systemPrompt, message, model, temperature) -> {
				throw new IllegalStateException("upstream answered 500");
			};
		}

	}

}
