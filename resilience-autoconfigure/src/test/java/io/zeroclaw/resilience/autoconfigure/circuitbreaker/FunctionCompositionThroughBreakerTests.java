package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.function.Function;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@code java.util.function} interfaces are no longer "infrastructure", so that {@code Function.apply} is guarded.
 * But so are their default composition methods ({@code andThen}, {@code compose}), which answer locally and never
 * reach the upstream: an open breaker refuses them, and a half-open breaker's probe is spent, and passed, on them.
 */
class FunctionCompositionThroughBreakerTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
		.withBean("summarizer", SummarizingProvider.class, SummarizingProvider::new);

	@Test
	@SuppressWarnings("unchecked")
	void composingTheFunctionShouldNeitherBeRefusedNorCounted() {
		this.contextRunner.run((context) -> {
			Function<String, String> summarizer = (Function<String, String>) context.getBean("summarizer");
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("summarizer").get();
			assertThatIllegalStateException().isThrownBy(() -> summarizer.apply("a"));
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
			// composing reaches no upstream: README, "methods that answer locally ... pass straight through"
			assertThatCode(() -> summarizer.andThen(String::length)).doesNotThrowAnyException();
		});
	}

	static class SummarizingProvider implements Provider, Function<String, String> {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			throw new IllegalStateException("upstream answered 500");
		}

		@Override
		public String apply(String text) {
			return chatWithSystem("Summarize.", text, "m", 0);
		}

	}

}
