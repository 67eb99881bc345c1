package io.zeroclaw.resilience.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call started through {@link CircuitBreaker#executeAsync} that is interrupted before it hands back its stage (it
 * blocks for a connection, a permit or a queue's room first, and throws {@code InterruptedException}): the breaker
 * hands the caller a failed future instead of the exception, so the interrupt, which the blocking method cleared as it
 * threw, must be set again on the caller's thread, as {@link CircuitBreaker#execute} leaves it to the caller by
 * rethrowing.
 */
class CircuitBreakerAsyncInterruptTests {

	private final AtomicLong clock = new AtomicLong();

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> RuntimeException sneaky(Throwable thrown) throws E {
		throw (E) thrown;
	}

	/** A client that waits for room before sending, on an interrupted thread: throws, its interrupt cleared. */
	private static CompletionStage<String> waitForRoomThenSend() {
		try {
			new CountDownLatch(1).await();
		}
		catch (InterruptedException ex) {
			throw sneaky(ex);
		}
		return CompletableFuture.completedFuture("sent");
	}

	@Test
	void interruptOfAnAsyncCallInterruptedBeforeItsStageShouldBeKept() {
		CircuitBreaker breaker = new CircuitBreaker("upstream",
				new CircuitBreakerConfig(1, Duration.ofSeconds(10), 1), this.clock::get);
		Thread.currentThread().interrupt(); // the caller's thread is being cancelled
		CompletableFuture<String> future = breaker.executeAsync(CircuitBreakerAsyncInterruptTests::waitForRoomThenSend);
		assertThat(future).isCompletedExceptionally();
		assertThat(breaker.state()).as("an interrupted call is not a failure").isEqualTo(CircuitState.CLOSED);
		assertThat(Thread.currentThread().isInterrupted()).as("interrupt status after the call").isTrue();
	}

	@Test
	void interruptOfAHalfOpenProbeInterruptedBeforeItsStageShouldBeKeptAndItsPlaceGivenBack() {
		CircuitBreaker breaker = new CircuitBreaker("upstream",
				new CircuitBreakerConfig(1, Duration.ofSeconds(10), 1), this.clock::get);
		breaker.transitionToOpen();
		this.clock.addAndGet(Duration.ofSeconds(10).toNanos()); // the recovery timeout has passed: half-open
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		Thread.currentThread().interrupt();
		CompletableFuture<String> future = breaker.executeAsync(CircuitBreakerAsyncInterruptTests::waitForRoomThenSend);
		assertThat(future).isCompletedExceptionally();
		boolean interrupted = Thread.interrupted();
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(breaker.execute(() -> "probe")).as("the probe's place was given back").isEqualTo("probe");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(interrupted).as("interrupt status after the call").isTrue();
	}

}
