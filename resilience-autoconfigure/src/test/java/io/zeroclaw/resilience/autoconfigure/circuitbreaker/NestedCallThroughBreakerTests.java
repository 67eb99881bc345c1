package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
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

	private final ClockedBreakers breakers = new ClockedBreakers();

	private final ApplicationContextRunner contextRunner = this.breakers.runner(AssistantConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2");

	@Test
	void halfOpenProbeShouldNotRefuseItsOwnCallBackIntoTheSameBean() {
		this.contextRunner.run((context) -> {
			Provider assistant = context.getBean(Provider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "assistant");
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

	@Configuration(proxyBeanMethods = false)
	static class AssistantConfiguration {

		@Bean
		Assistant assistant(ObjectProvider<Provider> self) {
			return new Assistant(new ToolRunner(self));
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
