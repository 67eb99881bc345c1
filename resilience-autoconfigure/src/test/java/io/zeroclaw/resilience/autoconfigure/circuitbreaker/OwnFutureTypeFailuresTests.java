package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.CompletableFuture;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A method that answers a future of its own type (judged as it is, not swapped for the breaker's own) and fails
 * before it has a future to hand out: it throws, or a broken client returns {@code null}. Either is a failed call,
 * counted at once, so that a half-open probe never waits for a completion that cannot come.
 */
class OwnFutureTypeFailuresTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	@Test
	void ownTypeFutureMethodThatThrowsShouldCountAFailure() {
		this.breakers.runner()
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withBean("asker", FailingAsker.class, FailingAsker::new)
			.run((context) -> {
				FailingAsker asker = context.getBean(FailingAsker.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("asker").orElseThrow();
				assertThatIllegalStateException().isThrownBy(() -> asker.ask("hi"))
					.withMessage("connection refused");
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
			});
	}

	@Test
	void ownTypeFutureMethodReturningNullShouldCountAFailedProbe() {
		this.breakers.runner().withBean("asker", FailingAsker.class, FailingAsker::new).run((context) -> {
			FailingAsker asker = context.getBean(FailingAsker.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "asker");
			assertThat(asker.askBroken("hi")).isNull();
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		});
	}

	static class ChatFuture<T> extends CompletableFuture<T> {

	}

	static class FailingAsker extends AnsweringProvider {

		public ChatFuture<String> ask(String message) {
			throw new IllegalStateException("connection refused");
		}

		public ChatFuture<String> askBroken(String message) {
			return null;
		}

	}

}
