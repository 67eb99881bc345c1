package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key's bucket is dropped once it is full again, and a request that read the clock before the drop (its thread
 * paused in between, as by a stop-the-world collection) then finds the key absent: the bucket it starts must carry on
 * from the dropped one, not start in the past and hand out a second bucket's tokens.
 */
@Timeout(60)
class LocalRateLimiterDroppedKeyTests {

	/** 10 tokens, one a millisecond. */
	private static final RateLimitPolicy POLICY = new RateLimitPolicy("p", 10, Duration.ofMillis(10), 0);

	private final FakeNanoClock clock = new FakeNanoClock();

	/** Threads to hold right after they read the clock. */
	private final Set<Thread> toHold = ConcurrentHashMap.newKeySet();

	private final CountDownLatch release = new CountDownLatch(1);

	@Test
	void requestsPausedAcrossTheDropOfTheirKeyShouldNotGetASecondBucket() throws Exception {
		int paused = 10;
		CountDownLatch read = new CountDownLatch(paused);
		// A slot free for each paused request once the table is swept: were it full again, a request that lost the
		// race to insert 'k' would be served from the overflow bucket, by design a bucket of its own.
		LocalRateLimiter limiter = limiterHolding(read, paused + 2);
		for (int i = 0; i <= paused; i++) {
			limiter.tryAcquire("idle-" + i);
		}
		assertThat(countAllowed(limiter, "k")).isEqualTo(10);
		List<CompletableFuture<Boolean>> late = new ArrayList<>();
		for (int i = 0; i < paused; i++) {
			CompletableFuture<Boolean> allowed = new CompletableFuture<>();
			Thread thread = new Thread(() -> allowed.complete(limiter.tryAcquire("k").allowed()));
			this.toHold.add(thread);
			late.add(allowed);
			thread.start();
		}
		assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
		this.clock.advance(Duration.ofMillis(10));
		// the table is full: a newcomer sweeps "k" and the idle keys, all full again, out
		assertThat(limiter.tryAcquire("newcomer").allowed()).isTrue();
		assertThat(limiter.size()).isEqualTo(1);
		this.release.countDown();
		long allowed = 0;
		for (CompletableFuture<Boolean> decision : late) {
			allowed += decision.get(10, TimeUnit.SECONDS) ? 1 : 0;
		}
		allowed += countAllowed(limiter, "k");
		assertThat(allowed).as("requests for 'k' allowed at one instant, once the pause is over").isEqualTo(10);
		assertThat(limiter.overflowDecisions()).isZero();
	}

	@Test
	void requestForManyPermitsPausedAcrossTheDropOfItsKeyShouldNotGetASecondBucket() throws Exception {
		CountDownLatch read = new CountDownLatch(1);
		LocalRateLimiter limiter = limiterHolding(read, 2);
		long t0 = this.clock.getAsLong();
		limiter.tryAcquire("idle");
		long allowed = countAllowed(limiter, "k");
		CompletableFuture<RateLimitDecision> late = new CompletableFuture<>();
		Thread thread = new Thread(() -> late.complete(limiter.tryAcquire("k", 10)));
		this.toHold.add(thread);
		thread.start();
		assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
		this.clock.advance(Duration.ofMillis(10));
		assertThat(limiter.tryAcquire("newcomer").allowed()).isTrue();
		this.release.countDown();
		allowed += late.get(10, TimeUnit.SECONDS).allowed() ? 10 : 0;
		allowed += countAllowed(limiter, "k");
		long elapsedMillis = (this.clock.getAsLong() - t0) / 1_000_000;
		assertThat(allowed).as("permits for 'k' within %d ms", elapsedMillis).isEqualTo(10 + elapsedMillis);
	}

	/** A limiter whose clock holds the threads in {@link #toHold} right after they read it. */
	private LocalRateLimiter limiterHolding(CountDownLatch read, int maxKeys) {
		LongSupplier holding = () -> {
			long now = this.clock.getAsLong();
			if (this.toHold.remove(Thread.currentThread())) {
				read.countDown();
				try {
					this.release.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return now;
		};
		return new LocalRateLimiter(POLICY, maxKeys, holding, 4);
	}

	private static long countAllowed(RateLimiter limiter, String key) {
		long allowed = 0;
		while (limiter.tryAcquire(key).allowed()) {
			allowed++;
		}
		return allowed;
	}

}
