package io.zeroclaw.resilience.circuitbreaker;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class CircuitBreakerTests {

	private static final Duration RECOVERY = Duration.ofSeconds(10);

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	private final AtomicInteger calls = new AtomicInteger();

	private CircuitBreaker breaker(int threshold, int probes) {
		return new CircuitBreaker("upstream", new CircuitBreakerConfig(threshold, RECOVERY, probes), this.clock::get,
				IllegalArgumentException.class::isInstance);
	}

	/** A breaker with one probe, opened by one failure and just half-open: the next call is its probe. */
	private CircuitBreaker halfOpenBreaker() {
		CircuitBreaker breaker = breaker(1, 1);
		failTimes(breaker, 1);
		elapse(RECOVERY);
		return breaker;
	}

	private String succeed() {
		this.calls.incrementAndGet();
		return "ok";
	}

	private String fail() {
		this.calls.incrementAndGet();
		throw new IllegalStateException("upstream down");
	}

	private void failTimes(CircuitBreaker breaker, int times) {
		for (int i = 0; i < times; i++) {
			assertThatIllegalStateException().isThrownBy(() -> breaker.execute(this::fail));
		}
	}

	private void elapse(Duration duration) {
		this.clock.addAndGet(duration.toNanos());
	}

	@Test
	void snapshotShouldNeverMixAnOpenStateWithNoTimeLeft() {
		// a clock that moves on one microsecond at every reading: separate reads of the state and the time left
		// straddle the end of the recovery timeout, one snapshot does not
		AtomicLong ticking = new AtomicLong();
		long micro = 1_000;
		for (long before = 0; before <= 5; before++) {
			ticking.set(1_000_000_000L);
			CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(1, RECOVERY, 1),
					() -> ticking.getAndAdd(micro), (ex) -> false);
			breaker.transitionToOpen();
			ticking.addAndGet(RECOVERY.toNanos() - before * micro);
			CircuitBreaker.Snapshot snapshot = breaker.snapshot();
			if (snapshot.state() == CircuitState.OPEN) {
				assertThat(snapshot.retryAfter()).as("%d us before recovery", before).isPositive();
			}
			else {
				assertThat(snapshot.state()).isEqualTo(CircuitState.HALF_OPEN);
				assertThat(snapshot.retryAfter()).isZero();
			}
		}
	}

	@Test
	void snapshotShouldReadTheFailuresOfTheSameState() {
		CircuitBreaker breaker = breaker(3, 1);
		failTimes(breaker, 3);
		CircuitBreaker.Snapshot open = breaker.snapshot();
		assertThat(open.state()).isEqualTo(CircuitState.OPEN);
		assertThat(open.consecutiveFailures()).isEqualTo(3);
		assertThat(open.retryAfter()).isEqualTo(RECOVERY);
		elapse(RECOVERY);
		assertThat(breaker.snapshot()).isEqualTo(new CircuitBreaker.Snapshot(CircuitState.HALF_OPEN, 3, Duration.ZERO));
		breaker.execute(this::succeed);
		assertThat(breaker.snapshot()).isEqualTo(new CircuitBreaker.Snapshot(CircuitState.CLOSED, 0, Duration.ZERO));
	}

	@Test
	void refusalWhileTheProbesAreOutShouldSaySoAndAskForAPauseNoLongerThanTheRecoveryTimeout() {
		for (Duration recovery : List.of(Duration.ofSeconds(30), Duration.ofMillis(200))) {
			CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(1, recovery, 1),
					this.clock::get);
			failTimes(breaker, 1);
			elapse(recovery);
			try (CircuitBreaker.Permission probe = breaker.acquirePermission()) {
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed))
					.withMessage("Circuit breaker 'upstream' is half-open and its probe calls are all in flight; "
							+ "retry after " + Math.min(recovery.toMillis(), 1000) + " ms")
					.satisfies((ex) -> assertThat(ex.retryAfter())
						.isEqualTo(recovery.compareTo(Duration.ofSeconds(1)) < 0 ? recovery : Duration.ofSeconds(1)));
			}
		}
	}

	@Test
	void refusalShouldTellAnOpenBreakerFromOneWhoseProbesAreAllOut() {
		CircuitBreaker breaker = breaker(1, 1);
		failTimes(breaker, 1);
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed))
			.satisfies((ex) -> assertThat(ex.probing()).as("refused while open").isFalse());
		elapse(RECOVERY);
		try (CircuitBreaker.Permission probe = breaker.acquirePermission()) {
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed))
				.satisfies((ex) -> assertThat(ex.probing()).as("refused while the probe is out").isTrue());
		}
	}

	@Test
	void permissionClosedWithoutAnOutcomeShouldGiveItsProbeSlotBack() {
		CircuitBreaker breaker = halfOpenBreaker();
		try (CircuitBreaker.Permission probe = breaker.acquirePermission()) {
			assertThat(probe.admittedIn()).isEqualTo(CircuitState.HALF_OPEN);
		}
		// the only slot is free again: the next call is the probe, and its success closes the breaker
		assertThat(breaker.execute(this::succeed)).isEqualTo("ok");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void transitionsShouldCountEveryChangeOfStateAndEveryForcedOne() {
		CircuitBreaker breaker = breaker(1, 1);
		assertThat(breaker.transitions()).isZero();
		breaker.execute(this::succeed);
		assertThat(breaker.transitions()).isZero();
		failTimes(breaker, 1);
		assertThat(breaker.transitions()).isEqualTo(1);
		elapse(RECOVERY);
		// read as the next call would: the breaker is half-open now
		assertThat(breaker.transitions()).isEqualTo(2);
		breaker.execute(this::succeed);
		assertThat(breaker.transitions()).isEqualTo(3);
		breaker.transitionToOpen();
		breaker.transitionToOpen();
		assertThat(breaker.transitions()).isEqualTo(5);
		breaker.transitionToClosed();
		assertThat(breaker.transitions()).isEqualTo(6);
	}

	@Test
	void executeWhenClosedShouldReturnTheResultAndStayClosed() {
		CircuitBreaker breaker = breaker(3, 1);
		assertThat(breaker.execute(this::succeed)).isEqualTo("ok");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
		assertThat(breaker.retryAfter()).isZero();
	}

	@Test
	void executeShouldOpenAfterFailureThresholdConsecutiveFailures() {
		CircuitBreaker breaker = breaker(3, 1);
		failTimes(breaker, 2);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isEqualTo(2);
		failTimes(breaker, 1);
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(breaker.consecutiveFailures()).isEqualTo(3);
	}

	@Test
	void successShouldResetTheConsecutiveFailures() {
		CircuitBreaker breaker = breaker(3, 1);
		failTimes(breaker, 2);
		breaker.execute(this::succeed);
		assertThat(breaker.consecutiveFailures()).isZero();
		failTimes(breaker, 2);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void openBreakerShouldRejectWithoutCallingAndCarryTheRemainingTime() {
		CircuitBreaker breaker = breaker(1, 1);
		failTimes(breaker, 1);
		elapse(Duration.ofSeconds(4));
		this.calls.set(0);
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed))
			.satisfies((ex) -> {
				assertThat(ex.breakerName()).isEqualTo("upstream");
				assertThat(ex.retryAfter()).isEqualTo(Duration.ofSeconds(6));
			});
		assertThat(this.calls).hasValue(0);
		assertThat(breaker.retryAfter()).isEqualTo(Duration.ofSeconds(6));
	}

	@Test
	void afterTheRecoveryTimeoutTheNextCallShouldBeAProbeThatClosesOnSuccess() {
		CircuitBreaker breaker = breaker(1, 1);
		failTimes(breaker, 1);
		elapse(RECOVERY.minusNanos(1));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		elapse(Duration.ofNanos(1));
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(breaker.execute(this::succeed)).isEqualTo("ok");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
	}

	@Test
	void failedProbeShouldReopenForAnotherRecoveryTimeout() {
		CircuitBreaker breaker = halfOpenBreaker();
		failTimes(breaker, 1);
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(breaker.retryAfter()).isEqualTo(RECOVERY);
	}

	@Test
	void halfOpenShouldCloseOnlyWhenEveryProbeSucceeded() {
		CircuitBreaker breaker = breaker(1, 2);
		failTimes(breaker, 1);
		elapse(RECOVERY);
		breaker.execute(this::succeed);
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		breaker.execute(this::succeed);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void halfOpenShouldRejectCallsBeyondTheProbesRunning() {
		CircuitBreaker breaker = breaker(1, 2);
		failTimes(breaker, 1);
		elapse(RECOVERY);
		CircuitBreaker.Permission first = breaker.acquirePermission();
		CircuitBreaker.Permission second = breaker.acquirePermission();
		assertThat(first.admittedIn()).isEqualTo(CircuitState.HALF_OPEN);
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(breaker::acquirePermission);
		first.onSuccess();
		second.onSuccess();
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void ignoredExceptionShouldCountNeitherAsFailureNorAsSuccess() {
		CircuitBreaker breaker = breaker(2, 1);
		failTimes(breaker, 1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> breaker.execute(() -> { throw new IllegalArgumentException("bad input"); }));
		assertThat(breaker.consecutiveFailures()).isEqualTo(1);
		failTimes(breaker, 1);
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void ignoredExceptionOfAProbeShouldGiveItsSlotBack() {
		CircuitBreaker breaker = halfOpenBreaker();
		assertThatIllegalArgumentException()
			.isThrownBy(() -> breaker.execute(() -> { throw new IllegalArgumentException("bad input"); }));
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		breaker.execute(this::succeed);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void interruptedProbeShouldGiveItsSlotBackWithoutCountingAFailure() {
		CircuitBreaker breaker = halfOpenBreaker();
		try {
			assertThatIllegalStateException().isThrownBy(() -> breaker.execute(() -> {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted while waiting for the upstream");
			}));
		}
		finally {
			assertThat(Thread.interrupted()).isTrue();
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		breaker.execute(this::succeed);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void streamReadInterruptedShouldGiveItsSlotBackWithoutCountingAFailure() {
		CircuitBreaker breaker = halfOpenBreaker();
		try (Stream<String> stream = breaker.executeStream(() -> Stream.of("a").map((element) -> {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while reading the upstream's answer");
		}))) {
			assertThatIllegalStateException().isThrownBy(stream::toList);
		}
		finally {
			assertThat(Thread.interrupted()).isTrue();
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		breaker.execute(this::succeed);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void cancelledFutureOfAProbeShouldGiveItsSlotBack() {
		CircuitBreaker breaker = halfOpenBreaker();
		CompletableFuture<String> upstream = new CompletableFuture<>();
		CompletableFuture<String> result = breaker.executeAsync(() -> upstream);
		assertThat(breaker.executeAsync(() -> upstream)).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.withCauseInstanceOf(CircuitOpenException.class);
		result.cancel(true);
		assertThat(upstream).isCancelled();
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(breaker.executeAsync(() -> CompletableFuture.completedFuture("ok"))).isCompletedWithValue("ok");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void executeAsyncShouldRecordTheOutcomeWhenTheStageCompletes() {
		CircuitBreaker breaker = breaker(1, 1);
		CompletableFuture<String> upstream = new CompletableFuture<>();
		CompletableFuture<String> result = breaker.executeAsync(() -> upstream);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		upstream.completeExceptionally(new IllegalStateException("503 from upstream"));
		assertThat(result).isCompletedExceptionally();
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		this.calls.set(0);
		assertThat(breaker.executeAsync(() -> CompletableFuture.supplyAsync(this::succeed)))
			.failsWithin(Duration.ZERO)
			.withThrowableThat()
			.withCauseInstanceOf(CircuitOpenException.class);
		assertThat(this.calls).hasValue(0);
	}

	@Test
	void exhaustedStreamShouldCountAsSuccessAndStreamClosedBeforeItsFirstElementShouldGiveTheProbeBack() {
		CircuitBreaker breaker = halfOpenBreaker();
		Stream<String> abandoned = breaker.executeStream(() -> Stream.of("a", "b", "c"));
		assertThatExceptionOfType(CircuitOpenException.class)
			.isThrownBy(() -> breaker.executeStream(() -> Stream.of("x")));
		abandoned.close();
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		try (Stream<String> stream = breaker.executeStream(() -> Stream.of("a", "b", "c"))) {
			assertThat(stream).containsExactly("a", "b", "c");
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void streamClosedAfterItsFirstElementShouldCountAsSuccess() {
		// The upstream answered; the consumer had what it wanted. Counted as nothing, a probe would never close a
		// breaker whose callers all stop early.
		CircuitBreaker breaker = halfOpenBreaker();
		Stream<String> stream = breaker.executeStream(() -> Stream.of("a", "b", "c"));
		assertThat(stream.iterator().next()).isEqualTo("a");
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		stream.close();
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void streamClosedAfterItsFirstElementShouldResetTheFailureCount() {
		CircuitBreaker breaker = breaker(2, 1);
		failTimes(breaker, 1);
		try (Stream<String> stream = breaker.executeStream(() -> Stream.of("a", "b"))) {
			assertThat(stream.findFirst()).contains("a");
		}
		failTimes(breaker, 1);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
	void streamClosedWhileAnotherThreadWaitsForItsFirstElementShouldGiveTheProbeBack() throws Exception {
		// Closing a socket-like upstream ends the read blocked on it, by an exception or as the end of the stream;
		// the reader's report of that must not pass for the upstream's answer.
		for (boolean readThrowsOnClose : new boolean[] { true, false }) {
			CircuitBreaker breaker = halfOpenBreaker();
			closeWhileAnotherThreadReads(breaker, readThrowsOnClose);
			assertThat(breaker.state()).as("read throws on close: %s", readThrowsOnClose)
				.isEqualTo(CircuitState.HALF_OPEN);
		}
	}

	private static void closeWhileAnotherThreadReads(CircuitBreaker breaker, boolean readThrowsOnClose)
			throws InterruptedException {
		BlockingQueue<String> elements = new LinkedBlockingQueue<>();
		CountDownLatch reading = new CountDownLatch(1);
		CountDownLatch readEnded = new CountDownLatch(1);
		Iterator<String> upstream = new Iterator<>() {

			@Override
			public boolean hasNext() {
				reading.countDown();
				try {
					if (!elements.take().equals("closed")) {
						return true;
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				if (readThrowsOnClose) {
					throw new UncheckedIOException(new IOException("Socket closed"));
				}
				return false;
			}

			@Override
			public String next() {
				return "chunk";
			}

		};
		Stream<String> stream = breaker.executeStream(() -> Stream.iterate("first", (s) -> upstream.hasNext(),
				(s) -> upstream.next()).skip(1).onClose(() -> {
					// as a client whose close waits for the read in progress to end
					elements.add("closed");
					awaitQuietly(readEnded);
				}));
		Thread reader = new Thread(() -> {
			try {
				stream.forEach((chunk) -> {
				});
			}
			catch (UncheckedIOException ex) {
				// the read the close ended
			}
			finally {
				readEnded.countDown();
			}
		});
		reader.start();
		assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
		stream.close();
		reader.join(5000);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void countingASizedStreamShouldCountAsSuccess() {
		// Stream.of is SIZED: were that passed on, count() would answer from the size without ever asking the
		// source for an element, and the probe would never learn that the upstream answered.
		CircuitBreaker breaker = halfOpenBreaker();
		assertThat(breaker.executeStream(() -> Stream.of("a", "b")).count()).isEqualTo(2);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.executeStream(() -> List.of("a", "b", "c").stream()).skip(1).count()).isEqualTo(2);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void probeThatNeverReportsShouldReopenTheBreakerOnceTheProbeDeadlineHasPassed() {
		CircuitBreaker breaker = halfOpenBreaker();
		// takeWhile stops early and the stream is never closed: the probe never reports
		assertThat(breaker.executeStream(() -> Stream.of("a", "END", "b")).takeWhile((s) -> !s.equals("END")).toList())
			.containsExactly("a");
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		elapse(Duration.ofNanos(CircuitBreaker.MIN_PROBE_DEADLINE_NANOS).minusNanos(1));
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed));
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		elapse(Duration.ofNanos(1));
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed))
			.satisfies((refused) -> assertThat(refused.retryAfter()).isEqualTo(RECOVERY));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(breaker.consecutiveFailures()).isEqualTo(2);
		elapse(RECOVERY);
		assertThat(breaker.execute(this::succeed)).isEqualTo("ok");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void callerGivingUpOnAFutureShouldGiveTheProbeBackAndCancelTheUpstream() {
		CircuitBreaker breaker = halfOpenBreaker();
		CompletableFuture<String> upstream = new CompletableFuture<>();
		CompletableFuture<String> result = breaker.executeAsync(() -> upstream);
		result.completeExceptionally(new TimeoutException("caller's own timeout"));
		assertThat(upstream).isCancelled();
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(breaker.execute(this::succeed)).isEqualTo("ok");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void probeDeadlineShouldCountFromTheProbeNotFromWhenTheBreakerHalfOpened() {
		CircuitBreaker breaker = halfOpenBreaker();
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN); // a gauge read half-opens it
		elapse(Duration.ofHours(1)); // no traffic for an hour
		CompletableFuture<String> upstream = new CompletableFuture<>();
		breaker.executeAsync(() -> upstream); // the probe, a slow call
		elapse(Duration.ofSeconds(5));
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed));
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		upstream.complete("answer");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void probeDeadlineShouldBeTheRecoveryTimeoutWhenThatIsLonger() {
		Duration recovery = Duration.ofMinutes(20);
		CircuitBreaker breaker = new CircuitBreaker("slow", new CircuitBreakerConfig(1, recovery, 1), this.clock::get);
		breaker.executeAsync(() -> new CompletableFuture<String>()); // opens nothing: closed, never completes
		failTimes(breaker, 1);
		elapse(recovery);
		breaker.executeAsync(() -> new CompletableFuture<String>()); // the probe, never completes
		elapse(Duration.ofMinutes(19));
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed));
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		elapse(Duration.ofMinutes(1));
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void streamThatCannotBeOpenedShouldGiveTheProbeBack() {
		CircuitBreaker breaker = halfOpenBreaker();
		Stream<String> used = Stream.of("a");
		used.toList();
		assertThatIllegalStateException().isThrownBy(() -> breaker.executeStream(() -> used));
		assertThat(breaker.execute(this::succeed)).isEqualTo("ok");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void failureOfThisJvmRatherThanTheUpstreamShouldNotCount() {
		CircuitBreaker breaker = breaker(1, 1);
		assertThatExceptionOfType(OutOfMemoryError.class).isThrownBy(() -> breaker.execute(() -> {
			throw new OutOfMemoryError("simulated");
		}));
		assertThatExceptionOfType(StackOverflowError.class).isThrownBy(() -> breaker.execute(() -> {
			throw new StackOverflowError();
		}));
		assertThat(breaker.executeAsync(
				() -> CompletableFuture.failedFuture(new RejectedExecutionException("full"))))
			.isCompletedExceptionally();
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
	}

	@Test
	void refusalsOfOtherProtectionsAndUnsupportedOperationsShouldNotCount() {
		CircuitBreaker breaker = breaker(1, 1);
		for (RuntimeException local : List.of(new CircuitOpenException("inner", Duration.ofSeconds(3)),
				new LoadShedException(Priority.LOW, 7), new UnsupportedOperationException("streaming is not supported"))) {
			assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> breaker.execute(() -> {
				throw local;
			}));
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
	}

	@Test
	void interruptionWrappedByAnIoClientShouldBeAnAbandonmentNotAFailure() {
		CircuitBreaker breaker = breaker(1, 1);
		RuntimeException wrapped = new IllegalStateException("client failed",
				new InterruptedIOException("interrupted") {
					{
						initCause(new InterruptedException());
					}
				});
		assertThatIllegalStateException().isThrownBy(() -> breaker.execute(() -> {
			throw wrapped;
		}));
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
		Thread.interrupted(); // a test thread left clean whatever happened
	}

	@Test
	void ignoredExceptionShouldBeRecognizedInsideAReflectiveWrapper() {
		CircuitBreaker breaker = breaker(1, 1);
		RuntimeException wrapped = new UndeclaredThrowableException(
				new IllegalArgumentException("bad request"));
		assertThatExceptionOfType(UndeclaredThrowableException.class)
			.isThrownBy(() -> breaker.execute(() -> {
				throw wrapped;
			}));
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void providersOwnExceptionThatMerelyWrapsAnIgnoredOneShouldCountAsFailure() {
		// as the README says: only carriers (CompletionException, ExecutionException, proxies' wrappers) are opened
		CircuitBreaker breaker = breaker(1, 1);
		assertThatIllegalStateException().isThrownBy(() -> breaker.execute(() -> {
			throw new IllegalStateException("upstream failed", new IllegalArgumentException("bad request"));
		}));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void exceptionWhileIteratingAStreamShouldCountAsFailure() {
		CircuitBreaker breaker = breaker(1, 1);
		Iterator<String> failing = new Iterator<>() {

			private int next;

			@Override
			public boolean hasNext() {
				if (this.next == 1) {
					throw new UncheckedIOException(new IOException("connection reset"));
				}
				return true;
			}

			@Override
			public String next() {
				return "chunk" + this.next++;
			}

		};
		Stream<String> source = Stream.iterate("chunk", (s) -> failing.hasNext(), (s) -> failing.next());
		try (Stream<String> stream = breaker.executeStream(() -> source)) {
			assertThatExceptionOfType(UncheckedIOException.class).isThrownBy(stream::toList);
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void exceptionFromTheConsumerOfAStreamShouldNotCountAsFailure() {
		CircuitBreaker breaker = breaker(1, 1);
		try (Stream<String> stream = breaker.executeStream(() -> Stream.of("a", "b"))) {
			assertThatIllegalStateException().isThrownBy(() -> stream.forEach((s) -> {
				throw new IllegalStateException("the consumer's own bug");
			}));
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
	}

	@Test
	void outcomeOfACallAdmittedBeforeTheBreakerOpenedShouldChangeNothing() {
		CircuitBreaker breaker = breaker(1, 1);
		CircuitBreaker.Permission slow = breaker.acquirePermission();
		failTimes(breaker, 1);
		elapse(RECOVERY);
		breaker.execute(this::succeed);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		slow.onFailure(new IllegalStateException("late timeout"));
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
	}

	@Test
	void listenerShouldBeToldOfAFailureBeforeTheBreakerCountsItAndOfALateOneThatChangesNothing() {
		CircuitBreaker breaker = breaker(3, 1);
		List<String> seen = new ArrayList<>();
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				seen.add(to.name());
			}

			@Override
			public void onFailure(CircuitBreaker source, Throwable failure) {
				seen.add(source.state() + "/" + source.consecutiveFailures());
			}

		});
		CircuitBreaker.Permission slow = breaker.acquirePermission();
		failTimes(breaker, 3);
		assertThat(seen).containsExactly("CLOSED/0", "CLOSED/1", "CLOSED/2", "OPEN");
		breaker.transitionToClosed();
		seen.clear();
		slow.onFailure(new IllegalStateException("late timeout"));
		assertThat(seen).containsExactly("CLOSED/0");
		assertThat(breaker.consecutiveFailures()).isZero();
	}

	@Test
	void reportingAPermissionTwiceShouldCountOnlyTheFirstOutcome() {
		CircuitBreaker breaker = breaker(2, 1);
		CircuitBreaker.Permission permission = breaker.acquirePermission();
		permission.onFailure(new IllegalStateException("down"));
		permission.onFailure(new IllegalStateException("down"));
		permission.close();
		assertThat(breaker.consecutiveFailures()).isEqualTo(1);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void forcedTransitionsShouldApplyAtOnceAndNotifyListeners() {
		CircuitBreaker breaker = breaker(5, 1);
		List<String> transitions = new ArrayList<>();
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				transitions.add(from + "->" + to);
			}

		});
		breaker.transitionToOpen();
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed));
		breaker.transitionToClosed();
		assertThat(breaker.execute(this::succeed)).isEqualTo("ok");
		assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->CLOSED");
	}

	@Test
	void listenersShouldHearEveryOutcomeAndTransitionOnce() {
		CircuitBreaker breaker = breaker(1, 1);
		List<String> events = new ArrayList<>();
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				events.add(to.name());
			}

			@Override
			public void onSuccess(CircuitBreaker source) {
				events.add("success");
			}

			@Override
			public void onFailure(CircuitBreaker source, Throwable failure) {
				events.add("failure");
			}

			@Override
			public void onIgnored(CircuitBreaker source, Throwable cause) {
				events.add("ignored");
			}

			@Override
			public void onRejected(CircuitBreaker source, CircuitOpenException refusal) {
				events.add("rejected");
			}

		});
		breaker.execute(this::succeed);
		assertThatIllegalArgumentException().isThrownBy(() -> breaker.execute(() -> {
			throw new IllegalArgumentException();
		}));
		failTimes(breaker, 1);
		assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> breaker.execute(this::succeed));
		elapse(RECOVERY);
		breaker.execute(this::succeed);
		assertThat(events).containsExactly("success", "ignored", "failure", "OPEN", "rejected", "HALF_OPEN",
				"CLOSED", "success");
	}

	@Test
	void listenerThatThrowsShouldNotDisturbTheCall() {
		CircuitBreaker breaker = breaker(1, 1);
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onSuccess(CircuitBreaker source) {
				throw new IllegalStateException("listener bug");
			}

		});
		assertThat(breaker.execute(this::succeed)).isEqualTo("ok");
	}

	@Test
	void cancelledCallShouldNotCountAsAFailure() {
		CircuitBreaker breaker = breaker(1, 1);
		assertThatExceptionOfType(CancellationException.class).isThrownBy(() -> breaker.execute(() -> {
			throw new CancellationException("the caller gave up");
		}));
		CompletableFuture<String> cancelled = new CompletableFuture<>();
		cancelled.cancel(true);
		assertThatExceptionOfType(CancellationException.class).isThrownBy(() -> breaker.execute(cancelled::join));
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
	}

	@Test
	void refusalOfAnotherProtectionWrappedByTheCodeBetweenShouldNotCount() {
		// a provider that wraps what its model throws, a tool layer that wraps what a tool throws
		CircuitBreaker breaker = breaker(1, 1);
		for (RuntimeException wrapped : List.of(
				new IllegalStateException("assistant failed", new CircuitOpenException("model", Duration.ofSeconds(3))),
				new RuntimeException("tool failed",
						new IllegalStateException("search failed", new LoadShedException(Priority.LOW, 7))))) {
			assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> breaker.execute(() -> {
				throw wrapped;
			}));
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
		// a failure of the upstream itself, wrapped the same way, still counts
		assertThatIllegalStateException().isThrownBy(() -> breaker.execute(() -> {
			throw new IllegalStateException("assistant failed", new IOException("connection reset"));
		}));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void localFailureCarriedAcrossAThreadOrAReflectiveCallShouldNotCount() {
		CircuitBreaker breaker = breaker(1, 1);
		for (Throwable wrapped : List.of(new CompletionException(new CircuitOpenException("inner", Duration.ofSeconds(3))),
				new ExecutionException(new LoadShedException(Priority.LOW, 7)),
				new InvocationTargetException(new RejectedExecutionException("full")))) {
			breaker.acquirePermission().onFailure(wrapped);
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(breaker.consecutiveFailures()).isZero();
	}

	@Test
	@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
	void failureWhoseCausesFormACycleShouldStillCount() {
		CircuitBreaker breaker = breaker(1, 1);
		IllegalStateException failure = new IllegalStateException("upstream down");
		failure.initCause(new IllegalStateException("while handling", failure));
		assertThatIllegalStateException().isThrownBy(() -> breaker.execute(() -> {
			throw failure;
		}));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void failedProbeShouldAddOneToTheConsecutiveFailures() {
		CircuitBreaker breaker = breaker(2, 1);
		failTimes(breaker, 2);
		elapse(RECOVERY);
		failTimes(breaker, 1);
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(breaker.consecutiveFailures()).isEqualTo(3);
	}

	@Test
	void successOfAnAsynchronousCallShouldResetTheConsecutiveFailures() {
		CircuitBreaker breaker = breaker(2, 1);
		failTimes(breaker, 1);
		assertThat(breaker.executeAsync(() -> CompletableFuture.completedFuture("ok"))).isCompletedWithValue("ok");
		assertThat(breaker.consecutiveFailures()).isZero();
		failTimes(breaker, 1);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void callThatThrowsInsteadOfReturningAStageShouldCountAsAFailedFuture() {
		CircuitBreaker breaker = breaker(1, 1);
		CompletableFuture<String> result = breaker.executeAsync(() -> {
			throw new IllegalStateException("connection refused");
		});
		assertThat(result).failsWithin(Duration.ZERO)
			.withThrowableThat()
			.withCauseInstanceOf(IllegalStateException.class);
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void callThatThrowsInsteadOfOpeningAStreamShouldCountAsFailure() {
		CircuitBreaker breaker = breaker(1, 1);
		assertThatIllegalStateException().isThrownBy(() -> breaker.executeStream(() -> {
			throw new IllegalStateException("connection refused");
		}));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void closingTheStreamShouldCloseTheUpstreamStream() {
		CircuitBreaker breaker = breaker(1, 1);
		AtomicBoolean upstreamClosed = new AtomicBoolean();
		Stream<String> stream = breaker.executeStream(() -> Stream.of("a", "b").onClose(() -> upstreamClosed.set(true)));
		assertThat(stream.findFirst()).contains("a");
		assertThat(upstreamClosed).isFalse();
		stream.close();
		assertThat(upstreamClosed).isTrue();
	}

	@Test
	void exceptionFromTheConsumerOfAStreamShouldCountAsSuccessBeforeTheStreamIsClosed() {
		CircuitBreaker breaker = halfOpenBreaker();
		Stream<String> stream = breaker.executeStream(() -> Stream.of("a", "b"));
		assertThatIllegalStateException().isThrownBy(() -> stream.forEach((s) -> {
			throw new IllegalStateException("the consumer's own bug");
		}));
		// the stream is left unclosed, yet the upstream's answer is counted
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
	void streamReadElementByElementShouldDeliverEveryElementAndReportItsEnd() {
		CircuitBreaker breaker = halfOpenBreaker();
		// limit() reads with tryAdvance, one element at a time, until the source says it has no more
		assertThat(breaker.executeStream(() -> Stream.of("a", "b", "c")).limit(10).toList()).containsExactly("a", "b",
				"c");
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void exceptionWhileReadingAStreamElementByElementShouldCountAsFailure() {
		CircuitBreaker breaker = breaker(1, 1);
		Stream<String> source = Stream.of("chunk0", "chunk1").map((s) -> {
			if (s.equals("chunk1")) {
				throw new UncheckedIOException(new IOException("connection reset"));
			}
			return s;
		});
		assertThatExceptionOfType(UncheckedIOException.class)
			.isThrownBy(() -> breaker.executeStream(() -> source).limit(10).toList());
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void streamFromASourceSortedByItsOwnComparatorShouldStillSortByNaturalOrder() {
		CircuitBreaker breaker = breaker(1, 1);
		TreeSet<String> reversed = new TreeSet<>(Comparator.reverseOrder());
		reversed.addAll(List.of("a", "b", "c"));
		assertThat(breaker.executeStream(reversed::stream).sorted().toList()).containsExactly("a", "b", "c");
	}

	@Test
	void recoveryTimeoutTooLongForNanosecondsShouldKeepTheBreakerOpen() {
		CircuitBreaker breaker = new CircuitBreaker("upstream",
				new CircuitBreakerConfig(1, Duration.ofSeconds(Long.MAX_VALUE), 1), this.clock::get);
		failTimes(breaker, 1);
		elapse(Duration.ofDays(365L * 100));
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(breaker.retryAfter()).isGreaterThan(Duration.ofDays(365L * 100));
	}

	@Test
	void removedListenerShouldHearNothingMoreAndTheOthersShouldHearOn() {
		CircuitBreaker breaker = breaker(1, 1);
		List<String> heard = new ArrayList<>();
		CircuitBreakerListener first = successListener(heard, "first");
		CircuitBreakerListener second = successListener(heard, "second");
		CircuitBreakerListener third = successListener(heard, "third");
		breaker.addListener(first);
		breaker.addListener(second);
		breaker.addListener(third);
		breaker.execute(this::succeed);
		breaker.removeListener(second);
		breaker.removeListener(successListener(heard, "never added"));
		breaker.execute(this::succeed);
		breaker.removeListener(first);
		breaker.removeListener(third);
		breaker.execute(this::succeed);
		assertThat(heard).containsExactly("first", "second", "third", "first", "third");
	}

	private static CircuitBreakerListener successListener(List<String> heard, String name) {
		return new CircuitBreakerListener() {

			@Override
			public void onSuccess(CircuitBreaker source) {
				heard.add(name);
			}

		};
	}

	@Test
	void configShouldRejectDegenerateValuesNamingTheField() {
		assertThatIllegalArgumentException().isThrownBy(() -> new CircuitBreakerConfig(0, RECOVERY, 1))
			.withMessageContaining("failureThreshold");
		assertThatIllegalArgumentException().isThrownBy(() -> new CircuitBreakerConfig(1, Duration.ZERO, 1))
			.withMessageContaining("recoveryTimeout");
		assertThatIllegalArgumentException().isThrownBy(() -> new CircuitBreakerConfig(1, Duration.ofSeconds(-1), 1))
			.withMessageContaining("recoveryTimeout");
		assertThatIllegalArgumentException().isThrownBy(() -> new CircuitBreakerConfig(1, RECOVERY, 0))
			.withMessageContaining("halfOpenMaxRequests");
		assertThatIllegalArgumentException().isThrownBy(() -> new CircuitBreakerConfig(-3, RECOVERY, 1))
			.withMessageContaining("failureThreshold");
	}

}
