package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A bean's own {@code is} methods: a boolean getter answers locally and passes through an open breaker; an
 * {@code is} method that takes an argument (asks the upstream to judge it) is a call like any other, and is refused.
 */
class BooleanMethodsThroughBreakerTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	@Test
	void booleanGetterShouldAnswerWhileTheBreakerIsOpen() {
		this.breakers.runner(ModeratorConfiguration.class).run((context) -> {
			Moderator moderator = context.getBean(Moderator.class);
			context.getBean(CircuitBreakerRegistry.class).find("moderator").orElseThrow().transitionToOpen();
			assertThat(moderator.isStrict()).isTrue();
		});
	}

	@Test
	void isMethodThatTakesAnArgumentShouldBeRefusedWhileTheBreakerIsOpen() {
		this.breakers.runner(ModeratorConfiguration.class).run((context) -> {
			Moderator moderator = context.getBean(Moderator.class);
			context.getBean(CircuitBreakerRegistry.class).find("moderator").orElseThrow().transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> moderator.isFlagged("hello"));
			assertThat(moderator.getUpstreamCalls()).isZero();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class ModeratorConfiguration {

		@Bean
		Moderator moderator() {
			return new Moderator();
		}

	}

	public static class Moderator implements Provider {

		private final AtomicInteger upstreamCalls = new AtomicInteger();

		private boolean strict = true;

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			return "answer to " + message;
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

		/** A boolean getter: answers from the bean's settings. */
		public boolean isStrict() {
			return this.strict;
		}

		public void setStrict(boolean strict) {
			this.strict = strict;
		}

		/** Asks the upstream whether the text is flagged. */
		public boolean isFlagged(String text) {
			return chatWithSystem("Answer yes or no: is this text abusive?", text, "m", 0).contains("yes");
		}

	}

}
