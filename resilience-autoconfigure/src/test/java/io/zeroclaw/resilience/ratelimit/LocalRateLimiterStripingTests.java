package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hot key's bucket split into stripes: it must hold exactly what the bucket held, never allow more than the policy,
 * refuse only when every stripe is empty, and be swept and merged like any bucket.
 */
@Timeout(60)
class LocalRateLimiterStripingTests extends HammeredLimiterTests {

	@Test
	void keyHammeredFromSeveralThreadsShouldBeStripedAndStillExact() throws Exception {
		// A real clock, so that threads race as they would in a server, and a quota they cannot exhaust.
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 1_000_000_000, Duration.ofSeconds(1), 0),
				100, System::nanoTime, 4);
		limiter.tryAcquire("hot");
		// Until it is striped, or for 20 s: on a busy machine the threads may seldom run at once, and striping needs
		// two of them to collide twice within one decision.
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		hammer((thread) -> {
			while (!limiter.isStriped("hot") && System.nanoTime() - deadline < 0) {
				for (int i = 0; i < 1_000; i++) {
					assertThat(limiter.tryAcquire("hot").allowed()).isTrue();
				}
			}
		});
		assertThat(limiter.isStriped("hot")).isTrue();
		assertThat(limiter.isStriped("cold")).isFalse();
	}

	@Test
	void stripingShouldKeepExactlyTheTokensTheBucketHeld() {
		// 1 token a millisecond, 70 at once; 4 stripes of 18, 18, 17 and 17 tokens, each refilled every 4 ms.
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 60, Duration.ofMillis(60), 10), 4);
		for (int i = 0; i < 23; i++) {
			assertThat(limiter.tryAcquire("k").allowed()).isTrue();
		}
		// Two and a half tokens come back: half a token is in the debt that is split.
		this.clock.advance(Duration.ofMillis(2).plusNanos(500_000));
		assertThat(limiter.stripe("k")).isTrue();
		assertThat(countAllowed(limiter, "k")).isEqualTo(70 - 23 + 2);
		// The half token went to one stripe whole, which has a token again after 2 ms of its 4 ms interval.
		this.clock.advance(Duration.ofMillis(2).minusNanos(1));
		assertThat(limiter.tryAcquire("k").allowed()).isFalse();
		this.clock.advanceNanos(1);
		assertThat(limiter.tryAcquire("k").allowed()).isTrue();
		assertThat(limiter.tryAcquire("k").allowed()).isFalse();
	}

	@Test
	void stripedBucketShouldRefillAtThePolicyRateAndNotBeyondCapacity() {
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 60, Duration.ofMillis(60), 10), 4);
		limiter.tryAcquire("k");
		assertThat(limiter.stripe("k")).isTrue();
		assertThat(countAllowed(limiter, "k")).isEqualTo(69);
		this.clock.advance(Duration.ofMillis(8));
		assertThat(countAllowed(limiter, "k")).isEqualTo(8);
		this.clock.advance(Duration.ofHours(1));
		assertThat(countAllowed(limiter, "k")).isEqualTo(70);
	}

	@Test
	void refusedRequestOnAStripedBucketShouldBeToldWhenAStripeHasATokenAgain() {
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 60, Duration.ofMillis(60), 0), 4);
		for (int i = 0; i < 4; i++) {
			limiter.tryAcquire("k");
		}
		// a token of debt on every stripe: none is full, so draining them from one thread keeps the key striped
		limiter.stripe("k");
		assertThat(countAllowed(limiter, "k")).isEqualTo(56);
		RateLimitDecision refused = limiter.tryAcquire("k");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.remaining()).isZero();
		// Every stripe was emptied at once, so the soonest is one stripe interval: 4 tokens' time.
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(4));
		this.clock.advance(refused.retryAfter().minusNanos(1));
		assertThat(limiter.tryAcquire("k").allowed()).isFalse();
		this.clock.advanceNanos(1);
		assertThat(limiter.tryAcquire("k").allowed()).isTrue();
	}

	@Test
	void requestForMorePermitsThanAnyStripeHoldsShouldMergeTheStripesAndBeAllowed() {
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 100, Duration.ofMillis(100), 0), 4);
		limiter.tryAcquire("k");
		limiter.stripe("k");
		// 99 tokens left, at most 25 in any stripe.
		RateLimitDecision decision = limiter.tryAcquire("k", 60);
		assertThat(decision.allowed()).isTrue();
		assertThat(limiter.isStriped("k")).isFalse();
		assertThat(countAllowed(limiter, "k")).isEqualTo(39);
		assertThat(limiter.tryAcquire("k", 101).retryAfter()).isEqualTo(LocalRateLimiter.NEVER);
	}

	@Test
	void splitWithAClockReadBeforeOtherThreadsTookShouldNotCreateTokens() {
		// A thread reads its clock, loses two compare-and-sets to threads that read later clocks, then splits: its
		// now lags the TAT by more than the tolerance. Replayed on one thread: 1 token a ms, 1000 at most, 2 stripes.
		LocalRateLimiter striped = limiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 2);
		LocalRateLimiter exact = limiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 2);
		this.clock.advance(Duration.ofNanos(300_000));
		long drainedAt = this.clock.getAsLong();
		int allowed = 0;
		while (striped.tryAcquire("k").allowed()) {
			exact.tryAcquire("k");
			allowed++;
		}
		this.clock.advance(Duration.ofNanos(2_200_000)); // 2.5 ms: the splitter reads its clock here
		allowed += takeBoth(striped, exact) + takeBoth(striped, exact);
		this.clock.advance(Duration.ofNanos(800_000)); // 3.3 ms and 4.3 ms: later threads take as well
		allowed += takeBoth(striped, exact);
		this.clock.advance(Duration.ofNanos(1_000_000));
		allowed += takeBoth(striped, exact);
		this.clock.advanceNanos(-1_800_000); // back to the splitter's 2.5 ms
		assertThat(striped.stripe("k")).isTrue();
		this.clock.advance(Duration.ofNanos(2_000_000)); // 4.5 ms
		for (int step = 0; step <= 8; step++) {
			allowed += striped.tryAcquire("k").allowed() ? 1 : 0;
			// at most capacity + rate x elapsed since the bucket was drained at 0.3 ms
			long elapsedNanos = this.clock.getAsLong() - drainedAt;
			assertThat((double) allowed).isLessThanOrEqualTo(1000 + elapsedNanos / 1_000_000.0);
			this.clock.advance(Duration.ofNanos(100_000));
		}
	}

	@Test
	void mergeByAThreadHeldAfterReadingItsClockShouldNotCreateTokens() throws Exception {
		// The merging thread reads its clock and is held there (as by the scheduler, or spinning on the contended key)
		// while 400 ms pass and another thread takes 200 tokens; then it merges. 1 token a ms, 1000 at once, 4 stripes
		// of 250. The clock never goes back.
		CountDownLatch mergerReadItsClock = new CountDownLatch(1);
		CountDownLatch othersTook = new CountDownLatch(1);
		AtomicReference<Thread> merger = new AtomicReference<>();
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 100,
				() -> {
					long now = this.clock.getAsLong();
					if (Thread.currentThread() == merger.get()) {
						mergerReadItsClock.countDown();
						awaitQuietly(othersTook);
					}
					return now;
				}, 4);
		limiter.tryAcquire("k");
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(limiter.stripe("k")).isTrue(); // every stripe full
		CompletableFuture<RateLimitDecision> merging = new CompletableFuture<>();
		merger.set(new Thread(() -> merging.complete(limiter.tryAcquire("k", 251))));
		merger.get().start();
		assertThat(mergerReadItsClock.await(10, TimeUnit.SECONDS)).isTrue();
		this.clock.advance(Duration.ofMillis(400));
		// from here on every request reads the clock at one instant, t1
		long allowedAtT1 = 0;
		for (int i = 0; i < 200; i++) {
			allowedAtT1 += limiter.tryAcquire("k").allowed() ? 1 : 0;
		}
		othersTook.countDown();
		// more than one stripe holds: the stripes are merged for it
		assertThat(merging.get(10, TimeUnit.SECONDS).allowed()).isTrue();
		assertThat(limiter.isStriped("k")).isFalse();
		allowedAtT1 += 251 + countAllowed(limiter, "k");
		assertThat(allowedAtT1).as("permits allowed at one instant").isEqualTo(1000);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static int takeBoth(LocalRateLimiter striped, LocalRateLimiter exact) {
		exact.tryAcquire("k");
		return striped.tryAcquire("k").allowed() ? 1 : 0;
	}

	@Test
	void waitingTheRetryAfterOfAMultiPermitRefusalOnAStripedKeyShouldBeEnough() {
		// 8 tokens, one a ms; 4 stripes of 2, each refilled every 4 ms
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 8, Duration.ofMillis(8), 0), 4);
		limiter.tryAcquire("k");
		assertThat(limiter.stripe("k")).isTrue();
		countAllowed(limiter, "k");
		for (int permits = 2; permits <= 8; permits++) {
			RateLimitDecision refused = limiter.tryAcquire("k", permits);
			assertThat(refused.allowed()).isFalse();
			this.clock.advance(refused.retryAfter());
			assertThat(limiter.tryAcquire("k", permits).allowed()).as("%d permits after %s", permits,
					refused.retryAfter()).isTrue();
			limiter.stripe("k");
			countAllowed(limiter, "k");
		}
	}

	@Test
	void concurrentCallersOnAStripedKeyShouldGetExactlyWhatTheBucketHolds() throws Exception {
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 500), 4);
		limiter.tryAcquire("hot");
		assertThat(limiter.stripe("hot")).isTrue();
		// One taken before striping, the rest by the threads.
		assertThat(1 + takeConcurrently(limiter, "hot", 20_000)).isEqualTo(1500);
		assertThat(limiter.tryAcquire("hot").remaining()).isZero();
	}

	@Test
	void concurrentCallersTakingSeveralPermitsFromAStripedKeyShouldNeverOverdrawTheBucket() throws Exception {
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 4);
		limiter.tryAcquire("hot");
		AtomicLong taken = new AtomicLong(1);
		hammer((thread) -> {
			for (int i = 0; i < 20_000; i++) {
				if (i % 1000 == 0) {
					// Striped again and again, so takes race with striping and with merges for big requests.
					limiter.stripe("hot");
				}
				int permits = 1 + (i + thread) % 40;
				if (limiter.tryAcquire("hot", permits).allowed()) {
					taken.addAndGet(permits);
				}
			}
		});
		assertThat(taken.get()).isLessThanOrEqualTo(1000);
		// Single permits were asked for until the end, so the stripes were drained to the last token.
		assertThat(taken.get() + countAllowed(limiter, "hot")).isEqualTo(1000);
	}

	@Test
	void stripedKeyUnderAMovingClockShouldNeverAllowMoreThanCapacityPlusRateTimesElapsed() throws Exception {
		// 1 token per microsecond, 50 at once.
		RateLimitPolicy policy = new RateLimitPolicy("p", 1000, Duration.ofMillis(1), 50);
		LocalRateLimiter limiter = limiter(policy, 4);
		long start = this.clock.getAsLong();
		limiter.tryAcquire("hot");
		limiter.stripe("hot");
		AtomicLong allowed = new AtomicLong(1);
		hammer((thread) -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			for (int i = 0; i < 50_000; i++) {
				if (limiter.tryAcquire("hot").allowed()) {
					allowed.incrementAndGet();
				}
				if (random.nextInt(16) == 0) {
					this.clock.advanceNanos(random.nextInt(3_000));
				}
			}
		});
		long elapsedMicros = (this.clock.getAsLong() - start) / 1000;
		assertThat(allowed.get()).isLessThanOrEqualTo(policy.capacity() + elapsedMicros + 1);
		// And the stripes do not starve the key: most of what the policy allows was used.
		assertThat(allowed.get()).isGreaterThan(elapsedMicros / 2);
	}

	@Test
	void fullStripedBucketShouldBeSweptAndANotFullOneKept() {
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 10, Duration.ofMillis(10), 0), 2,
				this.clock, 4);
		limiter.tryAcquire("full-later");
		limiter.stripe("full-later");
		this.clock.advance(Duration.ofMillis(5));
		limiter.tryAcquire("busy");
		limiter.stripe("busy");
		limiter.tryAcquire("busy");
		assertThat(limiter.size()).isEqualTo(2);
		// "full-later" is full again 4 ms (a stripe interval) after its take; "busy" is not full before 9 ms.
		this.clock.advance(Duration.ofMillis(1).plusNanos(500_000));
		assertThat(limiter.tryAcquire("newcomer").allowed()).isTrue();
		assertThat(limiter.isStriped("busy")).isTrue();
		assertThat(limiter.isStriped("full-later")).isFalse();
		assertThat(limiter.overflowDecisions()).isZero();
		// The kept bucket still holds what it held, 10 - 2 + 1.5 tokens, less at most the fractions its stripes hold.
		assertThat(countAllowed(limiter, "busy")).isBetween(8L, 9L);
	}

	@Test
	void sweepingWhileTakesRaceOnStripedKeysShouldLoseNoTakeAndLeakNoSlot() throws Exception {
		RateLimitPolicy policy = new RateLimitPolicy("p", 8, Duration.ofNanos(8_000), 0);
		LocalRateLimiter limiter = new LocalRateLimiter(policy, 8, this.clock, 4);
		hammer((thread) -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			for (int i = 0; i < 30_000; i++) {
				String key = "key-" + random.nextInt(32);
				limiter.tryAcquire(key);
				if (random.nextInt(4) == 0) {
					limiter.stripe(key);
				}
				if (random.nextInt(8) == 0) {
					this.clock.advanceNanos(random.nextInt(20_000));
				}
				assertThat(limiter.size()).isLessThanOrEqualTo(8);
			}
		});
		this.clock.advance(Duration.ofSeconds(1));
		for (int key = 0; key < 8; key++) {
			assertThat(countAllowed(limiter, "fresh-" + key)).isEqualTo(8);
		}
		assertThat(limiter.size()).isEqualTo(8);
	}

	@Test
	void sweepThatMeetsABucketBeingSplitShouldLookAgainLater() {
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 1,
				this.clock, 4);
		limiter.tryAcquire("hot");
		LocalRateLimiter.Bucket bucket = limiter.bucketOf("hot");
		long tat = bucket.tat;
		bucket.tat = Long.MIN_VALUE + 2; // FREEZING: a splitting thread holds it
		this.clock.advance(Duration.ofSeconds(10));
		limiter.tryAcquire("newcomer-1"); // the table is full: a sweep runs and skips the held bucket
		bucket.tat = tat; // the splitter lets go; the bucket has long been full
		this.clock.advance(Duration.ofMillis(2));
		limiter.tryAcquire("newcomer-2");
		assertThat(limiter.bucketOf("hot")).isNull();
		assertThat(limiter.bucketOf("newcomer-2")).isNotNull();
	}

	@Test
	void allowedDecisionOnAStripedKeyShouldEstimateFromItsStripe() {
		// 1 token a millisecond, 1000 at once; 4 stripes of 250, each refilled every 4 ms
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 4);
		limiter.tryAcquire("k");
		this.clock.advance(Duration.ofSeconds(1));
		for (int i = 0; i < 4; i++) {
			limiter.tryAcquire("k");
		}
		// a token of debt on every stripe: none is full, so a caller that borrows does not merge the key
		assertThat(limiter.stripe("k")).isTrue();
		// from the caller's own stripe: its 248 tokens left stand for 4 x 248 of the key's
		RateLimitDecision home = limiter.tryAcquire("k");
		assertThat(home.allowed()).isTrue();
		assertThat(home.remaining()).isEqualTo(992);
		assertThat(home.resetAfter()).isEqualTo(Duration.ofMillis(8));
		for (int i = 0; i < 248; i++) {
			assertThat(limiter.tryAcquire("k").allowed()).isTrue();
		}
		// its own stripe empty, the caller borrows from another, whose tokens are counted alone
		RateLimitDecision borrowed = limiter.tryAcquire("k");
		assertThat(borrowed.allowed()).isTrue();
		assertThat(limiter.isStriped("k")).isTrue();
		assertThat(borrowed.remaining()).isEqualTo(248);
		assertThat(borrowed.resetAfter()).isEqualTo(Duration.ofMillis(8));
	}

	@Test
	void keyWithOneTokenPerStripeShouldBeStripedAndToldWhenAStripeHasATokenAgain() {
		// as many tokens as stripes: 4 tokens, one a millisecond, so each stripe holds one, refilled every 4 ms
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 4, Duration.ofMillis(4), 0), 4);
		this.clock.advance(Duration.ofMillis(10));
		assertThat(countAllowed(limiter, "k")).isEqualTo(4);
		assertThat(limiter.stripe("k")).isTrue();
		RateLimitDecision refused = limiter.tryAcquire("k");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(4));
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofMillis(4));
		// half a stripe interval later every stripe holds half a token: still none to take
		this.clock.advance(Duration.ofMillis(2));
		refused = limiter.tryAcquire("k");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.remaining()).isZero();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(2));
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofMillis(2));
		this.clock.advance(refused.retryAfter().minusNanos(1));
		assertThat(limiter.tryAcquire("k").allowed()).isFalse();
		this.clock.advanceNanos(1);
		assertThat(limiter.tryAcquire("k").allowed()).isTrue();
	}

	@Test
	void callerThatMustBorrowFromAFullStripeShouldPutTheKeyBackIntoOneBucket() {
		// 60 tokens, one a millisecond; 4 stripes of 15, all full
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 60, Duration.ofMillis(60), 0), 4);
		limiter.tryAcquire("k");
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(limiter.stripe("k")).isTrue();
		for (int i = 0; i < 15; i++) {
			assertThat(limiter.tryAcquire("k").allowed()).isTrue();
		}
		assertThat(limiter.isStriped("k")).isTrue();
		// its own stripe empty, the caller borrows from a full one, whose refill would be lost while it stays full
		assertThat(limiter.tryAcquire("k").allowed()).isTrue();
		assertThat(limiter.isStriped("k")).as("back in one bucket").isFalse();
		assertThat(countAllowed(limiter, "k")).isEqualTo(44);
	}

	@Test
	void stripedKeyUsedFromOneThreadNearItsRateShouldBeRefusedNoEarlierThanAShareBeforeTheExactBucket() {
		// 1 000 a second, 4 stripes of 250; one request every 0.9 ms from this one thread
		RateLimitPolicy policy = new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0);
		LocalRateLimiter striped = limiter(policy, 4);
		LocalRateLimiter exact = limiter(policy, 4);
		assertThat(striped.tryAcquire("k").allowed()).isTrue();
		assertThat(exact.tryAcquire("k").allowed()).isTrue();
		assertThat(striped.stripe("k")).isTrue();
		for (int i = 0; i < 100_000; i++) {
			this.clock.advanceNanos(900_000);
			RateLimitDecision decision = striped.tryAcquire("k");
			RateLimitDecision exactDecision = exact.tryAcquire("k");
			if (!decision.allowed()) {
				assertThat(exactDecision.remaining()).as("tokens the exact bucket still holds")
					.isLessThanOrEqualTo(250);
				return;
			}
			assertThat(exactDecision.allowed()).isTrue();
		}
		throw new AssertionError("never refused");
	}

	@ParameterizedTest(name = "{0} stripes")
	@ValueSource(ints = { 4, 16 })
	void stripedKeyUsedBelowItsRateFromOneThreadShouldNotLoseTheRefillOfAStripeItNeverReaches(int stripes) {
		// 1 000 a second, 1 000 at once: a burst drains the key, and its contention splits it
		RateLimitPolicy policy = new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0);
		LocalRateLimiter striped = limiter(policy, stripes);
		LocalRateLimiter exact = limiter(policy, stripes);
		assertThat(countAllowed(striped, "k")).isEqualTo(1000);
		assertThat(countAllowed(exact, "k")).isEqualTo(1000);
		assertThat(striped.stripe("k")).isTrue();
		// then one thread at two thirds of the rate: its own stripe and the next drain, and the last fills up
		for (int i = 0; i < 1933; i++) {
			this.clock.advanceNanos(1_500_000);
			striped.tryAcquire("k");
			exact.tryAcquire("k");
		}
		// then a burst: refused no earlier than the exact bucket's last share of tokens
		for (int i = 0; i < 1000; i++) {
			RateLimitDecision decision = striped.tryAcquire("k");
			RateLimitDecision exactDecision = exact.tryAcquire("k");
			if (!decision.allowed()) {
				assertThat(exactDecision.remaining()).as("tokens the exact bucket still holds")
					.isLessThanOrEqualTo(1000 / stripes);
				return;
			}
		}
		throw new AssertionError("never refused");
	}

	@Test
	void decisionThatMergesAKeyShouldTellWhatTheMergedBucketHolds() {
		// 60 tokens, one a millisecond; 4 stripes of 15, all full
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 60, Duration.ofMillis(60), 0), 4);
		limiter.tryAcquire("k");
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(limiter.stripe("k")).isTrue();
		for (int i = 0; i < 15; i++) {
			limiter.tryAcquire("k");
		}
		RateLimitDecision merging = limiter.tryAcquire("k");
		assertThat(limiter.isStriped("k")).isFalse();
		assertThat(merging.remaining()).isEqualTo(44);
		assertThat(limiter.tryAcquire("k").remaining()).isEqualTo(43);
	}

	@Test
	void requestForMoreThanTheCapacityOnAStripedKeyShouldBeRefusedForeverAndLeaveTheKeyAsItWas() {
		// 60 tokens, one a millisecond; 4 stripes of 15, each refilled every 4 ms
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 60, Duration.ofMillis(60), 0), 4);
		limiter.tryAcquire("k");
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(limiter.stripe("k")).isTrue();
		for (int i = 0; i < 10; i++) {
			assertThat(limiter.tryAcquire("k").allowed()).isTrue();
		}
		RateLimitDecision refused = limiter.tryAcquire("k", 61);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(LocalRateLimiter.NEVER);
		assertThat(refused.remaining()).isEqualTo(50);
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofMillis(40));
		assertThat(limiter.isStriped("k")).isTrue();
		assertThat(countAllowed(limiter, "k")).isEqualTo(50);
	}

	@Test
	void sweepShouldKeepAStripedBucketWhoseFirstStripeIsFullButAnotherIsNot() {
		// 1 token a millisecond, 1000 at once, 4 stripes; room for a single key
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 1,
				this.clock, 4);
		limiter.tryAcquire("hot");
		this.clock.advance(Duration.ofNanos(500_000));
		// half a token of debt: it goes whole to the last stripe, the first three are full
		assertThat(limiter.stripe("hot")).isTrue();
		assertThat(limiter.tryAcquire("newcomer").allowed()).isTrue();
		assertThat(limiter.overflowDecisions()).isEqualTo(1);
		assertThat(limiter.isStriped("hot")).isTrue();
		assertThat(limiter.bucketOf("newcomer")).isNull();
		// once the last stripe is full too, the key makes room
		this.clock.advance(Duration.ofMillis(2));
		assertThat(limiter.tryAcquire("late-newcomer").allowed()).isTrue();
		assertThat(limiter.overflowDecisions()).isEqualTo(1);
		assertThat(limiter.bucketOf("hot")).isNull();
	}

	@Test
	void mergedBucketShouldBeSweptOnceFullEvenBeforeItsStripesWouldHaveBeen() {
		// 1 token a millisecond, 1000 at once; 4 stripes of 250; room for a single key
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 1,
				this.clock, 4);
		limiter.tryAcquire("hot");
		this.clock.advance(Duration.ofMillis(1));
		assertThat(limiter.stripe("hot")).isTrue();
		for (int i = 0; i < 250; i++) {
			assertThat(limiter.tryAcquire("hot").allowed()).isTrue();
		}
		// one stripe is empty, so the key is full a second from now: a newcomer finds no room
		limiter.tryAcquire("first-newcomer");
		assertThat(limiter.overflowDecisions()).isEqualTo(1);
		// 300 permits: more than any stripe holds, fewer than all hold; merged, the key is full 550 ms from now
		assertThat(limiter.tryAcquire("hot", 300).allowed()).isTrue();
		assertThat(limiter.isStriped("hot")).isFalse();
		this.clock.advance(Duration.ofMillis(550));
		assertThat(limiter.tryAcquire("second-newcomer").allowed()).isTrue();
		assertThat(limiter.overflowDecisions()).isEqualTo(1);
		assertThat(limiter.bucketOf("hot")).isNull();
		assertThat(limiter.bucketOf("second-newcomer")).isNotNull();
	}

	@Test
	void policiesWithFewerTokensThanStripesShouldNeverBeStriped() {
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 3, Duration.ofMillis(3), 0), 4);
		limiter.tryAcquire("k");
		assertThat(limiter.stripe("k")).isFalse();
		assertThat(countAllowed(limiter, "k")).isEqualTo(2);
	}

	@Test
	void policiesSlowerThanAThousandRequestsASecondShouldNeverBeStriped() {
		LocalRateLimiter limiter = limiter(new RateLimitPolicy("p", 999, Duration.ofSeconds(1), 0), 4);
		limiter.tryAcquire("k");
		assertThat(limiter.stripe("k")).isFalse();
		LocalRateLimiter fastEnough = limiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), 4);
		fastEnough.tryAcquire("k");
		assertThat(fastEnough.stripe("k")).isTrue();
	}

	@Test
	void stripeCountShouldBeTwiceTheProcessorsAsAPowerOfTwo() {
		assertThat(LocalRateLimiter.stripesFor(1)).isEqualTo(2);
		assertThat(LocalRateLimiter.stripesFor(2)).isEqualTo(4);
		assertThat(LocalRateLimiter.stripesFor(3)).isEqualTo(8);
		assertThat(LocalRateLimiter.stripesFor(64)).isEqualTo(64);
	}

	@Test
	void decisionThatMergesAKeyAfterItsCallerWasPausedShouldTellWhatTheMergedBucketHolds() {
		// 60 tokens, one a millisecond; 4 stripes of 15, all full
		AtomicLong pause = new AtomicLong();
		LocalRateLimiter limiter = pausingLimiter(new RateLimitPolicy("p", 60, Duration.ofMillis(60), 0), pause);
		limiter.tryAcquire("k");
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(limiter.stripe("k")).isTrue();
		for (int i = 0; i < 15; i++) {
			assertThat(limiter.tryAcquire("k").allowed()).isTrue();
		}
		// the caller that borrows, and so merges, is held 100 ms after it read its clock (a pause, the scheduler)
		pause.set(Duration.ofMillis(100).toNanos());
		RateLimitDecision merging = limiter.tryAcquire("k");
		assertThat(merging.allowed()).isTrue();
		assertThat(limiter.isStriped("k")).isFalse();
		// measured from the merge's own reading, 100 ms on, by when the tokens taken have come back: a full bucket
		assertThat(merging.remaining()).isEqualTo(60);
		assertThat(merging.resetAfter()).isZero();
		assertThat(limiter.tryAcquire("k").remaining()).isEqualTo(59);
	}

	@Test
	void requestForSeveralPermitsThatMergesAFullKeyAfterItsCallerWasPausedShouldBeAllowed() {
		// 1 token a millisecond, 1000 at once; 4 stripes of 250, all full, nobody else taking
		AtomicLong pause = new AtomicLong();
		LocalRateLimiter limiter = pausingLimiter(new RateLimitPolicy("p", 1000, Duration.ofSeconds(1), 0), pause);
		limiter.tryAcquire("k");
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(limiter.stripe("k")).isTrue();
		pause.set(Duration.ofMillis(800).toNanos());
		RateLimitDecision decision = limiter.tryAcquire("k", 251);
		assertThat(decision.allowed()).as("251 of a full bucket of 1000").isTrue();
		assertThat(decision.remaining()).isEqualTo(749);
	}

	private LocalRateLimiter limiter(RateLimitPolicy policy, int stripes) {
		return new LocalRateLimiter(policy, 100, this.clock, stripes);
	}

	/** A limiter of 4 stripes whose clock, once {@code pause} is set, moves on by it right after the next reading. */
	private LocalRateLimiter pausingLimiter(RateLimitPolicy policy, AtomicLong pause) {
		return new LocalRateLimiter(policy, 100, () -> {
			long now = this.clock.getAsLong();
			this.clock.advanceNanos(pause.getAndSet(0));
			return now;
		}, 4);
	}

	private static long countAllowed(LocalRateLimiter limiter, String key) {
		long allowed = 0;
		while (limiter.tryAcquire(key).allowed()) {
			allowed++;
			assertThat(allowed).isLessThan(1_000_000);
		}
		return allowed;
	}

}
