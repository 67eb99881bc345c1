package io.zeroclaw.resilience.circuitbreaker;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * The breaker's edges where a caller's or a listener's code misbehaves: a probe whose stage cannot be watched, an
 * ignore predicate that throws, a stream whose last element is read but which is never closed, an interrupt
 * sneaked out of any listener callback or observer, and an observer that throws on a breaker that already exists.
 */
class CircuitBreakerCallbackEdgeTests {

	private static final Duration RECOVERY = Duration.ofSeconds(10);

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	@SuppressWarnings("unchecked")
	static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
		throw (E) t;
	}

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	private CircuitBreaker breaker(int threshold, int probes) {
		return new CircuitBreaker("upstream", new CircuitBreakerConfig(threshold, RECOVERY, probes), this.clock::get,
				IllegalArgumentException.class::isInstance);
	}

	private CircuitBreaker halfOpenBreaker() {
		CircuitBreaker breaker = breaker(1, 1);
		breaker.transitionToOpen();
		this.clock.addAndGet(RECOVERY.toNanos());
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		return breaker;
	}

	/** A stage that cannot be watched: {@code executeAsync} gives its permission back, "an ignored outcome". */
	static class UnwatchableStage<T> extends CompletableFuture<T> {

		@Override
		public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
			throw new UnsupportedOperationException("read-only stage");
		}

	}

	/** A stage the breaker cannot watch is an ignored outcome: the probe's slot comes back. */
	@Test
	void probeWhoseStageCannotBeWatchedShouldGiveItsSlotBack() {
		CircuitBreaker breaker = halfOpenBreaker();
		CompletableFuture<String> result = breaker
			.executeAsync(() -> (CompletionStage<String>) new UnwatchableStage<String>());
		assertThat(result).isCompletedExceptionally();
		// the only probe slot must be free again: the next call is the probe, and its success closes the breaker
		assertThat(breaker.execute(() -> "ok")).isEqualTo("ok");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	/** No call at all is the caller's mistake: refused before a permission is taken, nothing counted. */
	@Test
	void missingCallShouldBeRefusedWithoutCountingAFailureOrTakingAProbe() {
		CircuitBreaker closed = breaker(1, 1);
		assertThatNullPointerException().isThrownBy(() -> closed.execute(null)).withMessageContaining("call");
		assertThatNullPointerException().isThrownBy(() -> closed.executeAsync(null)).withMessageContaining("call");
		assertThatNullPointerException().isThrownBy(() -> closed.executeStream(null)).withMessageContaining("call");
		assertThat(closed.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(closed.consecutiveFailures()).isZero();
		CircuitBreaker halfOpen = halfOpenBreaker();
		assertThatNullPointerException().isThrownBy(() -> halfOpen.execute(null));
		assertThatNullPointerException().isThrownBy(() -> halfOpen.executeAsync(null));
		assertThatNullPointerException().isThrownBy(() -> halfOpen.executeStream(null, null));
		// the only probe slot is still free: the next call is the probe, and its success closes the breaker
		assertThat(halfOpen.execute(() -> "ok")).isEqualTo("ok");
		assertThat(halfOpen.state()).isEqualTo(CircuitState.CLOSED);
	}

	/** A call that answers no stage or stream is a broken client of the upstream: a failure, as the glue counts it. */
	@Test
	void callReturningNullInsteadOfAStageOrAStreamShouldCountAsAFailure() {
		CircuitBreaker async = breaker(1, 1);
		assertThat(async.executeAsync(() -> (CompletionStage<String>) null)).isCompletedExceptionally();
		assertThat(async.state()).isEqualTo(CircuitState.OPEN);
		CircuitBreaker stream = breaker(1, 1);
		assertThatNullPointerException().isThrownBy(() -> stream.executeStream(() -> (Stream<String>) null));
		assertThat(stream.state()).isEqualTo(CircuitState.OPEN);
	}

	/** A predicate that throws ignores nothing: the failure counts. */
	@Test
	void ignoredPredicateThatThrowsShouldCountTheCallAsAFailure() {
		CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(1, RECOVERY, 1),
				this.clock::get, (thrown) -> {
					throw new IllegalStateException("predicate bug");
				});
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> breaker.execute(() -> {
			throw new IllegalArgumentException("upstream down");
		}));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	/** Reading the last element is the success, though the stream is never closed; an earlier element is not. */
	@Test
	void streamWithALastElementShouldReportSuccessOnThatElementAndNotBefore() {
		CircuitBreaker breaker = halfOpenBreaker();
		Stream<String> stream = breaker.executeStream(() -> Stream.of("a", "b", "end", "after"), "end"::equals);
		Iterator<String> it = stream.iterator();
		assertThat(it.next()).isEqualTo("a");
		assertThat(breaker.state()).as("after a first element that is not the last").isEqualTo(CircuitState.HALF_OPEN);
		assertThat(it.next()).isEqualTo("b");
		assertThat(it.next()).isEqualTo("end");
		// the consumer stops reading here and never closes the stream: the upstream's whole answer came
		assertThat(breaker.state()).as("after the last element").isEqualTo(CircuitState.CLOSED);
	}

	/** "An interrupt it carried is kept", for every callback, not only {@code onSuccess}. */
	@Test
	void interruptSneakedOutOfOnStateTransitionShouldBeKept() {
		CircuitBreaker breaker = breaker(5, 1);
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onStateTransition(CircuitBreaker b, CircuitState from, CircuitState to) {
				throw sneaky(new InterruptedException("transition"));
			}
		});
		breaker.transitionToOpen();
		assertThat(Thread.interrupted()).isTrue();
	}

	@Test
	void interruptSneakedOutOfOnFailureShouldBeKept() {
		CircuitBreaker breaker = breaker(5, 1);
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onFailure(CircuitBreaker b, Throwable failure) {
				throw sneaky(new InterruptedException("failure"));
			}
		});
		assertThatIllegalStateException().isThrownBy(() -> breaker.execute(() -> {
			throw new IllegalStateException("down");
		}));
		assertThat(Thread.interrupted()).isTrue();
	}

	@Test
	void interruptSneakedOutOfOnIgnoredShouldBeKept() {
		CircuitBreaker breaker = breaker(5, 1);
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onIgnored(CircuitBreaker b, Throwable cause) {
				throw sneaky(new InterruptedException("ignored"));
			}
		});
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> breaker.execute(() -> {
			throw new IllegalArgumentException("ignored by the predicate");
		}));
		assertThat(Thread.interrupted()).isTrue();
	}

	@Test
	void interruptSneakedOutOfOnRejectedShouldBeKept() {
		CircuitBreaker breaker = breaker(5, 1);
		breaker.transitionToOpen();
		breaker.addListener(new CircuitBreakerListener() {
			@Override
			public void onRejected(CircuitBreaker b, CircuitOpenException refusal) {
				throw sneaky(new InterruptedException("rejected"));
			}
		});
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(() -> "ok"));
		assertThat(Thread.interrupted()).isTrue();
	}

	@Test
	void interruptSneakedOutOfAnObserverShouldBeKept() {
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		registry.onEachBreaker((breaker) -> {
			throw sneaky(new InterruptedException("observer"));
		});
		assertThatIllegalStateException().isThrownBy(() -> registry.computeIfAbsent("a", this::named))
			.withCauseInstanceOf(InterruptedException.class);
		assertThat(Thread.interrupted()).as("interrupt status after an observer's InterruptedException").isTrue();
	}

	@Test
	void failuresOfTwoObserversShouldBothReachTheCaller() {
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		registry.onEachBreaker((breaker) -> {
			throw new IllegalStateException("first binder bug");
		});
		registry.onEachBreaker((breaker) -> {
			throw new IllegalStateException("second binder bug");
		});
		assertThatIllegalStateException().isThrownBy(() -> registry.computeIfAbsent("a", this::named))
			.withMessage("first binder bug")
			.satisfies((ex) -> assertThat(ex.getSuppressed()).extracting(Throwable::getMessage)
				.containsExactly("second binder bug"));
	}

	private CircuitBreaker named(String name) {
		return new CircuitBreaker(name, CircuitBreakerConfig.defaults(), this.clock::get);
	}

	/** Only an interrupt is kept: an observer's unchecked exception leaves the thread's interrupt status alone. */
	@Test
	void observerThrowingAnUncheckedExceptionShouldNotInterruptTheCreatingThread() {
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		registry.onEachBreaker((breaker) -> {
			throw new IllegalStateException("binder bug");
		});
		assertThatIllegalStateException().isThrownBy(() -> registry.computeIfAbsent("a", this::named));
		assertThat(Thread.interrupted()).as("interrupt status after an observer's unchecked exception").isFalse();
	}

	/** As from {@code computeIfAbsent}, an observer's failure on an existing breaker reaches the caller. */
	@Test
	void observerThatThrowsOnAnExistingBreakerShouldHaveItsExceptionReported() {
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		registry.computeIfAbsent("a", this::named);
		assertThatIllegalStateException().isThrownBy(() -> registry.onEachBreaker((breaker) -> {
			throw new IllegalStateException("binder bug");
		})).withMessage("binder bug");
	}

}
