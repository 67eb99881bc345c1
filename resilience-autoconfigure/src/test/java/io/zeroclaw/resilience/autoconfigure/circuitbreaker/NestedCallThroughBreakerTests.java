package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A guarded bean whose call, on the same thread, comes back into the same bean through its proxy (a model that runs
 * a tool which asks the model again): the inner call is part of the outer one. It runs under the outer call's
 * permission, so that a half-open breaker's single probe does not refuse it, and a failure is counted once.
 */
class NestedCallThroughBreakerTests {

	private static final Duration RECOVERY = Duration.ofSeconds(30);

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(AssistantConfiguration.class)
		.withBean(AtomicLong.class, () -> this.clock)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=2",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=" + RECOVERY.toSeconds() + "s");

	@Test
	void halfOpenProbeShouldNotRefuseItsOwnCallBackIntoTheSameBean() {
		this.contextRunner.run((context) -> {
			Provider assistant = context.getBean(Provider.class);
			CircuitBreaker breaker = halfOpenBreaker(context, "assistant");
			assertThat(assistant.chatWithSystem(null, "tool:weather", "m", 0))
				.isEqualTo("used weather: answer to weather");
			assertThat(context.getBean(Assistant.class).getUpstreamCalls()).isEqualTo(2);
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void failureOfTheCallBackShouldBeCountedOnceWithTheCallItIsPartOf() {
		this.contextRunner.run((context) -> {
			Provider assistant = context.getBean(Provider.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("assistant").orElseThrow();
			assertThatIllegalStateException().isThrownBy(() -> assistant.chatWithSystem(null, "tool:fail", "m", 0));
			assertThat(breaker.consecutiveFailures()).isEqualTo(1);
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void callOfTheSameBeanAfterTheOuterCallEndedShouldBeGuardedAgain() {
		this.contextRunner.run((context) -> {
			Provider assistant = context.getBean(Provider.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("assistant").orElseThrow();
			assertThat(assistant.chatWithSystem(null, "tool:weather", "m", 0)).startsWith("used weather");
			breaker.transitionToOpen();
			assertThat(context.getBean(Assistant.class).getUpstreamCalls()).isEqualTo(2);
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> assistant.chatWithSystem(null, "weather", "m", 0));
			assertThat(context.getBean(Assistant.class).getUpstreamCalls()).isEqualTo(2);
		});
	}

	/** The named breaker, opened and then left for its recovery timeout on the test clock: the next call probes. */
	private CircuitBreaker halfOpenBreaker(ApplicationContext context, String name) {
		CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find(name).orElseThrow();
		breaker.transitionToOpen();
		this.clock.addAndGet(RECOVERY.toNanos());
		return breaker;
	}

	@Configuration(proxyBeanMethods = false)
	static class AssistantConfiguration {

		@Bean
		Assistant assistant(ObjectProvider<Provider> self) {
			return new Assistant(new ToolRunner(self));
		}

		@Bean
		CircuitBreakerFactory circuitBreakerFactory(ResilienceProperties properties, AtomicLong clock) {
			return new PropertiesCircuitBreakerFactory(properties.getCircuitBreaker(), getClass().getClassLoader(),
					clock::get);
		}

	}

	/** Asks the assistant again, through whatever the application context holds for it: its proxy. */
	record ToolRunner(ObjectProvider<Provider> assistant) {

		String run(String question) {
			return "used " + question + ": " + this.assistant.getObject().chatWithSystem(null, question, "m", 0);
		}

	}

	static class Assistant implements Provider {

		private final AtomicInteger upstreamCalls = new AtomicInteger();

		private final ToolRunner tools;

		Assistant(ToolRunner tools) {
			this.tools = tools;
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			if (message.equals("fail")) {
				throw new IllegalStateException("upstream answered 500");
			}
			if (message.startsWith("tool:")) {
				return this.tools.run(message.substring("tool:".length()));
			}
			return "answer to " + message;
		}

		/** A getter, which the breaker passes through. */
		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

	}

}
