package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A guarded method declared to return {@code CompletableFuture} that waits for a permit of its client before it
 * sends (a connection pool's, a concurrency limit's), on a thread being cancelled: it throws
 * {@code InterruptedException}, which reaches the caller thrown, as it would without the breaker, and is not a failure
 * of the upstream.
 */
class InterruptedFutureCallThroughBreakerTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	@Test
	void futureCallInterruptedWhileWaitingForItsClientShouldThrowAsWithoutTheBreaker() {
		this.breakers.runner().withBean("asker", PooledAsker.class, PooledAsker::new).run((context) -> {
			PooledAsker asker = context.getBean(PooledAsker.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("asker").orElseThrow();
			Thread.currentThread().interrupt(); // the request is being cancelled
			assertThatExceptionOfType(InterruptedException.class).isThrownBy(() -> asker.ask("hi"));
			assertThat(Thread.currentThread().isInterrupted()).as("cleared, as the method left it").isFalse();
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			assertThat(breaker.consecutiveFailures()).as("an interrupted call is not a failure").isZero();
		});
	}

	static class PooledAsker extends AnsweringProvider {

		private final Semaphore connections = new Semaphore(0);

		public CompletableFuture<String> ask(String message) throws InterruptedException {
			this.connections.acquire(); // throws at once on an interrupted thread, and clears its interrupt
			return CompletableFuture.completedFuture("answer to " + message);
		}

	}

}
