package io.zeroclaw.resilience.circuitbreaker;

import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a listener or an observer throws, whatever it is, never disturbs a call or the breaker's counts; and a refusal
 * says what {@link CircuitOpenException#retryAfter()} says, however long.
 */
class CircuitBreakerListenerFailureTests {

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	@SuppressWarnings("unchecked")
	static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
		throw (E) t;
	}

	private CircuitBreaker breaker(int threshold) {
		return new CircuitBreaker("upstream", new CircuitBreakerConfig(threshold, Duration.ofSeconds(10), 1),
				this.clock::get);
	}

	/**
	 * CircuitBreakerListener: "an exception thrown by a listener is caught and dropped so that it can never disturb
	 * the call". A Kotlin listener can throw a checked exception.
	 */
	@Test
	void listenerThrowingACheckedExceptionOnFailureShouldNeitherReplaceTheCallsExceptionNorStopTheBreakerOpening() {
		CircuitBreaker breaker = breaker(2);
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onFailure(CircuitBreaker source, Throwable failure) {
				throw sneaky(new IOException("metrics backend down"));
			}

		});
		for (int i = 0; i < 2; i++) {
			assertThatThrownBy(() -> breaker.execute(() -> {
				throw new IllegalStateException("upstream down");
			})).isInstanceOf(IllegalStateException.class);
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void listenerThrowingACheckedExceptionOnFailureShouldNotKeepTheBreakerClosed() {
		CircuitBreaker breaker = breaker(2);
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onFailure(CircuitBreaker source, Throwable failure) {
				throw sneaky(new IOException("metrics backend down"));
			}

		});
		for (int i = 0; i < 5; i++) {
			try {
				breaker.execute(() -> {
					throw new IllegalStateException("upstream down");
				});
			}
			catch (Throwable ex) {
				// whatever the caller gets
			}
		}
		// five consecutive failures against a threshold of 2
		assertThat(breaker.consecutiveFailures()).isGreaterThanOrEqualTo(2);
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	/** An AssertionError from a listener (an AssertJ check in a test listener) leaves executeAsync's future pending. */
	@Test
	void listenerThrowingAnErrorShouldNotLeaveTheFutureOfExecuteAsyncPendingForEver() {
		CircuitBreaker breaker = breaker(2);
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onSuccess(CircuitBreaker source) {
				throw new AssertionError("listener bug");
			}

		});
		java.util.concurrent.CompletableFuture<String> upstream = new java.util.concurrent.CompletableFuture<>();
		java.util.concurrent.CompletableFuture<String> result = breaker.executeAsync(() -> upstream);
		upstream.complete("ok");
		assertThat(result).isDone();
	}

	@Test
	void listenerThrowingACheckedExceptionShouldNotLeaveTheFutureOfExecuteAsyncPendingForEver() {
		CircuitBreaker breaker = breaker(2);
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onFailure(CircuitBreaker source, Throwable failure) {
				throw sneaky(new IOException("metrics backend down"));
			}

		});
		java.util.concurrent.CompletableFuture<String> upstream = new java.util.concurrent.CompletableFuture<>();
		java.util.concurrent.CompletableFuture<String> result = breaker.executeAsync(() -> upstream);
		upstream.completeExceptionally(new IllegalStateException("upstream down"));
		assertThat(result).isDone();
	}

	@Test
	void listenerThrowingACheckedExceptionOnSuccessShouldNotTurnASuccessfulCallIntoAnException() {
		CircuitBreaker breaker = breaker(2);
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onSuccess(CircuitBreaker source) {
				throw sneaky(new IOException("metrics backend down"));
			}

		});
		assertThat(breaker.execute(() -> "ok")).isEqualTo("ok");
	}

	@Test
	void listenerThrowingAnAssertionErrorOnSuccessShouldNotTurnASuccessfulCallIntoAnError() {
		CircuitBreaker breaker = breaker(2);
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onSuccess(CircuitBreaker source) {
				throw new AssertionError("listener bug");
			}

		});
		assertThat(breaker.execute(() -> "ok")).isEqualTo("ok");
	}

	@Test
	void listenerThrowingOnRejectedShouldStillLeaveTheCallerACircuitOpenException() {
		CircuitBreaker breaker = breaker(1);
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onRejected(CircuitBreaker source, CircuitOpenException refusal) {
				throw sneaky(new IOException("metrics backend down"));
			}

		});
		breaker.transitionToOpen();
		assertThatThrownBy(() -> breaker.execute(() -> "ok")).isInstanceOf(CircuitOpenException.class);
	}

	/** "retryAfter ... zero or positive, never null": a very long but positive duration is allowed. */
	@Test
	void circuitOpenExceptionShouldAcceptAnyPositiveRetryAfter() {
		CircuitOpenException refusal = new CircuitOpenException("model", ChronoUnit.FOREVER.getDuration());
		assertThat(refusal.retryAfter()).isEqualTo(ChronoUnit.FOREVER.getDuration());
	}

	@Test
	void circuitOpenExceptionMessageShouldAgreeWithRetryAfterForANegativeDuration() {
		CircuitOpenException refusal = new CircuitOpenException("model", Duration.ofMillis(-5));
		assertThat(refusal.retryAfter()).isZero();
		assertThat(refusal.getMessage()).doesNotContain("-5");
	}

	/** CircuitBreakerRegistry.onEachBreaker: "told of each breaker exactly once". */
	@Test
	void anObserverThatThrowsShouldNotKeepLaterObserversFromHearingOfABreaker() {
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		List<String> heard = new ArrayList<>();
		registry.onEachBreaker((breaker) -> {
			if (breaker.name().equals("flaky")) {
				throw new IllegalStateException("metrics binder bug");
			}
		});
		registry.onEachBreaker((breaker) -> heard.add(breaker.name()));
		// the first observer's bug reaches the creator, once every observer was told and the breaker registered
		assertThatIllegalStateException().isThrownBy(() -> registry.computeIfAbsent("flaky", this::named))
			.withMessage("metrics binder bug");
		assertThat(heard).containsExactly("flaky");
		CircuitBreaker kept = registry.computeIfAbsent("flaky", this::named);
		assertThat(registry.find("flaky")).containsSame(kept);
		assertThat(heard).containsExactly("flaky");
	}

	private CircuitBreaker named(String name) {
		return new CircuitBreaker(name, CircuitBreakerConfig.defaults(), this.clock::get);
	}

	/** A Kotlin listener that blocks (a latch, a queue's put) on an interrupted thread, and rethrows unchecked. */
	private static void blockingKotlinStyleWork() {
		try {
			new CountDownLatch(1).await(); // throws at once: the thread is interrupted
		}
		catch (InterruptedException ex) {
			throw sneaky(ex); // the interrupt status is now cleared
		}
	}

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	@Test
	void interruptSneakedOutOfABreakerListenerShouldNotBeLost() {
		CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(5, Duration.ofSeconds(10), 1),
				this.clock::get);
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onSuccess(CircuitBreaker source) {
				blockingKotlinStyleWork();
			}
		});
		Thread.currentThread().interrupt(); // say, the request thread is being cancelled
		assertThat(breaker.execute(() -> "ok")).isEqualTo("ok");
		assertThat(Thread.currentThread().isInterrupted()).as("interrupt status after the call").isTrue();
	}

	/** A StackOverflowError from onFailure: the probe's failure is recorded all the same, its slot given back. */
	@Test
	void virtualMachineErrorFromOnFailureShouldNotLeaveTheBreakerHalfOpenWithItsProbeSlotTaken() {
		CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(1, Duration.ofSeconds(10), 1),
				this.clock::get);
		AtomicBoolean overflow = new AtomicBoolean();
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onFailure(CircuitBreaker source, Throwable failure) {
				if (overflow.getAndSet(false)) {
					throw new StackOverflowError();
				}
			}
		});
		assertThatThrownBy(() -> breaker.execute(() -> {
			throw new IllegalStateException("down");
		})).isInstanceOf(IllegalStateException.class);
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		this.clock.addAndGet(Duration.ofSeconds(11).toNanos());
		overflow.set(true);
		assertThatThrownBy(() -> breaker.execute(() -> {
			throw new IllegalStateException("still down");
		})).isInstanceOf(Throwable.class);
		// the probe failed: OPEN again, with a new recovery timeout; or, had the failure been dropped, a free slot
		this.clock.addAndGet(Duration.ofSeconds(11).toNanos());
		assertThat(breaker.execute(() -> "recovered")).isEqualTo("recovered");
	}

	@Test
	void virtualMachineErrorFromOnFailureShouldNotKeepAClosedBreakerFromCounting() {
		CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(1, Duration.ofSeconds(10), 1),
				this.clock::get);
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onFailure(CircuitBreaker source, Throwable failure) {
				throw new StackOverflowError();
			}
		});
		try {
			breaker.execute(() -> {
				throw new IllegalStateException("down");
			});
		}
		catch (Throwable ex) {
			// whatever
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void virtualMachineErrorFromOneTransitionListenerShouldNotHideTheTransitionFromTheOthers() {
		CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(1, Duration.ofSeconds(10), 1),
				this.clock::get);
		List<CircuitState> heard = new ArrayList<>();
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				throw new StackOverflowError();
			}
		});
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				heard.add(to);
			}
		});
		breaker.transitionToOpen();
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(heard).containsExactly(CircuitState.OPEN);
	}

	/** "each observer is now told, and the first failure thrown after": two observers failing with one instance. */
	@Test
	void twoObserversThrowingTheSameExceptionShouldNotKeepALaterObserverFromHearing() {
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		IllegalStateException shared = new IllegalStateException("binder closed");
		List<String> heard = new ArrayList<>();
		registry.onEachBreaker((breaker) -> {
			throw shared;
		});
		registry.onEachBreaker((breaker) -> {
			throw shared;
		});
		registry.onEachBreaker((breaker) -> heard.add(breaker.name()));
		Throwable thrown = null;
		try {
			registry.computeIfAbsent("model", this::named);
		}
		catch (Throwable ex) {
			thrown = ex;
		}
		assertThat(heard).containsExactly("model");
		assertThat(thrown).isSameAs(shared);
	}

	/** onEachBreaker: "told of each breaker exactly once", for those already created as for those to come. */
	@Test
	void anObserverThatThrowsOnAnExistingBreakerShouldStillHearOfTheOthers() {
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		registry.computeIfAbsent("a", this::named);
		registry.computeIfAbsent("b", this::named);
		List<String> heard = new ArrayList<>();
		try {
			registry.onEachBreaker((breaker) -> {
				heard.add(breaker.name());
				if (breaker.name().equals("a")) {
					throw new IllegalStateException("binder bug");
				}
			});
		}
		catch (IllegalStateException ex) {
			// the observer's bug
		}
		registry.computeIfAbsent("c", this::named);
		assertThat(heard).containsExactly("a", "b", "c");
	}

}
