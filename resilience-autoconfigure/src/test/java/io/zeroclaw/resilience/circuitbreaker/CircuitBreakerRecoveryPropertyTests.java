package io.zeroclaw.resilience.circuitbreaker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever order calls start and end in, and however they end (success, failure, ignored exception, interruption,
 * cancelled future, closed or exhausted stream, released permission), once every call has ended the breaker recovers:
 * after one recovery timeout, {@code halfOpenMaxRequests} successful calls close it.
 */
class CircuitBreakerRecoveryPropertyTests {

	private static final Duration RECOVERY = Duration.ofSeconds(5);

	@Property(tries = 500)
	void breakerShouldAlwaysRecoverOnceEveryCallHasEnded(@ForAll @IntRange(min = 1, max = 3) int threshold,
			@ForAll @IntRange(min = 1, max = 3) int probes,
			@ForAll @Size(max = 80) List<@IntRange(min = 0, max = 15) Integer> operations) {
		AtomicLong clock = new AtomicLong();
		CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(threshold, RECOVERY, probes),
				clock::get, IllegalArgumentException.class::isInstance);
		List<Call> running = new ArrayList<>();
		for (int operation : operations) {
			apply(operation, breaker, clock, running);
		}
		// end whatever is still running, oldest first, by a mix of ways
		for (int i = 0; i < running.size(); i++) {
			running.get(i).end(i % 4);
		}
		clock.addAndGet(RECOVERY.toNanos());
		for (int i = 0; i < probes; i++) {
			assertThat(breaker.execute(() -> "ok")).isEqualTo("ok");
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	private static void apply(int operation, CircuitBreaker breaker, AtomicLong clock, List<Call> running) {
		try {
			switch (operation) {
				case 0 -> breaker.execute(() -> "ok");
				case 1 -> breaker.execute(() -> {
					throw new IllegalStateException("down");
				});
				case 2 -> breaker.execute(() -> {
					throw new IllegalArgumentException("ignored");
				});
				case 3 -> interrupted(breaker);
				case 4 -> running.add(new PermissionCall(breaker.acquirePermission()));
				case 5 -> running.add(new FutureCall(breaker));
				case 6 -> running.add(new StreamCall(breaker));
				case 7, 8, 9, 10 -> {
					if (!running.isEmpty()) {
						running.remove(0).end(operation - 7);
					}
				}
				case 11, 12 -> {
					if (!running.isEmpty()) {
						running.remove(running.size() - 1).end(operation - 11);
					}
				}
				case 13 -> clock.addAndGet(RECOVERY.toNanos() / 2);
				case 14 -> clock.addAndGet(RECOVERY.toNanos());
				default -> breaker.executeAsync(() -> CompletableFuture.completedFuture("ok"));
			}
		}
		catch (CircuitOpenException | IllegalStateException | IllegalArgumentException ex) {
			// refused, or the call's own failure: what the caller sees, not what is tested here
		}
	}

	private static void interrupted(CircuitBreaker breaker) {
		try {
			breaker.execute(() -> {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted");
			});
		}
		finally {
			Thread.interrupted();
		}
	}

	/** A call still running, that can end in one of four ways. */
	private interface Call {

		void end(int how);

	}

	private record PermissionCall(CircuitBreaker.Permission permission) implements Call {

		@Override
		public void end(int how) {
			switch (how) {
				case 0 -> this.permission.onSuccess();
				case 1 -> this.permission.onFailure(new IllegalStateException("down"));
				case 2 -> this.permission.onIgnore();
				default -> {
					this.permission.close();
					this.permission.close();
				}
			}
		}

	}

	private static final class FutureCall implements Call {

		private final CompletableFuture<String> upstream = new CompletableFuture<>();

		private final CompletableFuture<String> result;

		FutureCall(CircuitBreaker breaker) {
			this.result = breaker.executeAsync(() -> this.upstream);
		}

		@Override
		public void end(int how) {
			switch (how) {
				case 0 -> this.upstream.complete("ok");
				case 1 -> this.upstream.completeExceptionally(new IllegalStateException("down"));
				case 2 -> this.result.cancel(true);
				default -> this.upstream.cancel(true);
			}
		}

	}

	private static final class StreamCall implements Call {

		private final Stream<String> stream;

		private final Iterator<String> iterator;

		StreamCall(CircuitBreaker breaker) {
			this.stream = breaker.executeStream(() -> Stream.of("a", "b"));
			this.iterator = this.stream.iterator();
		}

		@Override
		public void end(int how) {
			switch (how) {
				case 0 -> this.iterator.forEachRemaining((s) -> {
				});
				case 1 -> {
					this.iterator.next();
					this.stream.close();
				}
				default -> this.stream.close();
			}
		}

	}

}
