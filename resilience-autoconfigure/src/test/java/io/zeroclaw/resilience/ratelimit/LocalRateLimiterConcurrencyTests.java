package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LocalRateLimiter} hammered from several threads. The clock is frozen unless a test moves it, so every
 * bound below is exact.
 */
@Timeout(30)
class LocalRateLimiterConcurrencyTests extends HammeredLimiterTests {

	@Test
	void concurrentCallersOnOneKeyShouldGetExactlyWhatTheBucketHolds() throws Exception {
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 1000, Duration.ofMinutes(1), 500),
				100, this.clock);
		assertThat(takeConcurrently(limiter, "hot", 20_000)).isEqualTo(1500);
		assertThat(limiter.tryAcquire("hot").remaining()).isZero();
	}

	@ParameterizedTest(name = "striped={0}")
	@ValueSource(booleans = { false, true })
	void requestPausedAfterReadingTheClockShouldNotBeRefusedWhileTheBucketHoldsAToken(boolean striped)
			throws Exception {
		AtomicReference<Thread> pausedThread = new AtomicReference<>();
		CountDownLatch clockRead = new CountDownLatch(1);
		CountDownLatch resume = new CountDownLatch(1);
		// two tokens, one a millisecond; striped, two stripes of one token each
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 2, Duration.ofMillis(2), 0), 100,
				() -> {
					long now = this.clock.getAsLong();
					if (Thread.currentThread() == pausedThread.get() && clockRead.getCount() > 0) {
						// descheduled (a GC pause, a busy core) right after reading the clock
						clockRead.countDown();
						await(resume);
					}
					return now;
				}, 2);
		limiter.tryAcquire("k");
		if (striped) {
			assertThat(limiter.stripe("k")).isTrue();
		}
		this.clock.advance(Duration.ofMillis(10));
		CompletableFuture<RateLimitDecision> paused = new CompletableFuture<>();
		Thread thread = new Thread(() -> paused.complete(limiter.tryAcquire("k")));
		pausedThread.set(thread);
		thread.start();
		await(clockRead);
		// meanwhile two callers, one on each stripe, take the two tokens...
		this.clock.advance(Duration.ofMillis(3));
		assertThat(takeOnThreadOfParity(limiter, 0).allowed()).isTrue();
		assertThat(takeOnThreadOfParity(limiter, 1).allowed()).isTrue();
		assertThat(limiter.isStriped("k")).isEqualTo(striped);
		// ... and the bucket is full again before the paused request goes on: it held a token at every instant
		this.clock.advance(Duration.ofMillis(2));
		resume.countDown();
		RateLimitDecision decision = paused.get();
		assertThat(decision.allowed()).as("paused request, decided %s", decision).isTrue();
	}

	/** Takes a token on a new thread whose id has the parity, so that a striped key serves it from that stripe. */
	private static RateLimitDecision takeOnThreadOfParity(LocalRateLimiter limiter, int parity) throws Exception {
		for (;;) {
			CompletableFuture<RateLimitDecision> result = new CompletableFuture<>();
			Thread thread = new Thread(() -> result.complete(limiter.tryAcquire("k")));
			if ((thread.getId() & 1) == parity) {
				thread.start();
				return result.get();
			}
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void concurrentCallersTakingSeveralPermitsShouldNeverOverdrawTheBucket() throws Exception {
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 1000, Duration.ofMinutes(1), 0),
				100, this.clock);
		AtomicLong taken = new AtomicLong();
		hammer((thread) -> {
			for (int i = 0; i < 20_000; i++) {
				int permits = 1 + (i + thread) % 7;
				if (limiter.tryAcquire("hot", permits).allowed()) {
					taken.addAndGet(permits);
				}
			}
		});
		// Requests for 1 permit keep coming until the end, so the bucket is drained to the last token.
		assertThat(taken).hasValue(1000);
	}

	@Test
	void concurrentCallersOnDifferentKeysShouldEachGetTheirOwnQuota() throws Exception {
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 10, Duration.ofMinutes(1), 0),
				THREADS * 100, this.clock);
		ConcurrentHashMap<String, AtomicInteger> allowed = new ConcurrentHashMap<>();
		hammer((thread) -> {
			for (int round = 0; round < 50; round++) {
				for (int k = 0; k < 100; k++) {
					// Every key is shared by two threads, so lookups, inserts and CASes race.
					String key = "key-" + ((thread / 2) * 100 + k);
					if (limiter.tryAcquire(key).allowed()) {
						allowed.computeIfAbsent(key, (ignored) -> new AtomicInteger()).incrementAndGet();
					}
				}
			}
		});
		assertThat(allowed).hasSize(THREADS / 2 * 100);
		assertThat(allowed.values()).allSatisfy((count) -> assertThat(count).hasValue(10));
		assertThat(limiter.size()).isEqualTo(THREADS / 2 * 100);
		assertThat(limiter.overflowDecisions()).isZero();
	}

	@Test
	void churnOfKeysOnASmallTableWithAMovingClockShouldKeepTheBoundAndLeakNoSlot() throws Exception {
		// One token per microsecond, 3 at once; 64 keys on 8 slots, so buckets are swept and re-created all the time
		// while other threads take from them.
		RateLimitPolicy policy = new RateLimitPolicy("p", 3, Duration.ofNanos(3_000), 0);
		LocalRateLimiter limiter = new LocalRateLimiter(policy, 8, this.clock);
		AtomicInteger largestSize = new AtomicInteger();
		AtomicInteger allowed = new AtomicInteger();
		hammer((thread) -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			for (int i = 0; i < 50_000; i++) {
				if (limiter.tryAcquire("key-" + random.nextInt(64)).allowed()) {
					allowed.incrementAndGet();
				}
				if (random.nextInt(8) == 0) {
					this.clock.advanceNanos(random.nextInt(2_000_000));
				}
				largestSize.accumulateAndGet(limiter.size(), Math::max);
			}
		});
		assertThat(allowed.get()).isPositive();
		assertThat(largestSize.get()).isLessThanOrEqualTo(8);
		// Once every bucket is full again, all 8 slots must be usable: none was lost to a race.
		this.clock.advance(Duration.ofSeconds(1));
		for (int key = 100; key < 108; key++) {
			for (int i = 0; i < 3; i++) {
				assertThat(limiter.tryAcquire("fresh-" + key).allowed()).isTrue();
			}
			assertThat(limiter.tryAcquire("fresh-" + key).allowed()).isFalse();
		}
		assertThat(limiter.size()).isEqualTo(8);
		long overflowBefore = limiter.overflowDecisions();
		limiter.tryAcquire("one-too-many");
		assertThat(limiter.overflowDecisions()).isEqualTo(overflowBefore + 1);
	}

	@Test
	void keysGoneIdleShouldBeForgottenWhileTheTableHasRoomButNoSpentKeyEver() throws Exception {
		// One token a second, two at once; 16 keys in steady use, and new keys and gauge reads that sweep the table
		// while the clock moves by tenths of a second: a spent key forgotten would start on a full bucket again.
		RateLimitPolicy policy = new RateLimitPolicy("p", 1, Duration.ofSeconds(1), 1);
		LocalRateLimiter limiter = new LocalRateLimiter(policy, 10_000, this.clock);
		AtomicInteger[] allowed = new AtomicInteger[16];
		for (int key = 0; key < allowed.length; key++) {
			allowed[key] = new AtomicInteger();
		}
		AtomicLong elapsed = new AtomicLong();
		AtomicInteger newcomers = new AtomicInteger();
		hammer((thread) -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			for (int i = 0; i < 20_000; i++) {
				int key = random.nextInt(allowed.length);
				if (limiter.tryAcquire("key-" + key).allowed()) {
					allowed[key].incrementAndGet();
				}
				switch (random.nextInt(64)) {
					case 0 -> limiter.tryAcquire("new-" + newcomers.incrementAndGet());
					case 1 -> limiter.forgetIdleKeys();
					case 2 -> {
						this.clock.advance(Duration.ofMillis(100));
						elapsed.addAndGet(100);
					}
					default -> {
					}
				}
			}
		});
		long wholeSeconds = elapsed.get() / 1000;
		assertThat(wholeSeconds).as("the test must move the clock past many sweeps").isGreaterThan(100);
		for (int key = 0; key < allowed.length; key++) {
			assertThat(allowed[key].get()).as("key-" + key).isLessThanOrEqualTo(2 + (int) wholeSeconds);
		}
		// the newcomers, each used once, were forgotten as their buckets filled: the table did not keep them all
		assertThat(limiter.size()).isLessThan(newcomers.get() / 2);
		assertThat(limiter.overflowDecisions()).isZero();
	}

}
