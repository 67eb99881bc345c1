package io.zeroclaw.resilience.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link RateLimiter} store decides for the same schedule: one suite, one subclass per store, so that the
 * in-memory and the Redis stores agree on allowed, remaining, retry-after and reset-after.
 * <p>
 * Time is driven by {@link #advance(Duration)}. A store whose clock also moves by itself (Redis's {@code TIME}) says
 * how much real time a test may take in {@link #timeSlack()}: durations are then checked to lie between the expected
 * value less that slack and the expected value. The policy refills one token a minute, so that the few seconds a
 * test takes never add a token.
 */
public abstract class RateLimiterConformanceTests {

	/** One token a minute, ten a window, and a bucket of fifteen. */
	protected static final RateLimitPolicy POLICY = new RateLimitPolicy("conformance", 10, Duration.ofMinutes(10), 5);

	/** The retry-after of a request that can never be allowed. */
	protected static final Duration NEVER = LocalRateLimiter.NEVER;

	private static final Duration TOKEN = Duration.ofMinutes(1);

	/**
	 * @param policy the policy to enforce
	 * @return a limiter with no state, of the store under test
	 */
	protected abstract RateLimiter limiter(RateLimitPolicy policy);

	/** @param duration how far to move the clock the limiter decides with */
	protected abstract void advance(Duration duration);

	/** @return how much real time may pass during one test without {@link #advance(Duration)}; zero by default */
	protected Duration timeSlack() {
		return Duration.ZERO;
	}

	@Test
	void firstRequestShouldBeAllowedWithOneTokenTaken() {
		RateLimitDecision decision = limiter(POLICY).tryAcquire("a");
		assertThat(decision.allowed()).isTrue();
		assertThat(decision.limit()).isEqualTo(15);
		assertThat(decision.remaining()).isEqualTo(14);
		assertThat(decision.retryAfter()).isEqualTo(Duration.ZERO);
		assertThat(decision.resetAfter()).isEqualTo(TOKEN);
	}

	@Test
	void fullBucketShouldBeSpentOneTokenAtATimeThenRefused() {
		RateLimiter limiter = limiter(POLICY);
		for (long expectedRemaining = 14; expectedRemaining >= 0; expectedRemaining--) {
			RateLimitDecision decision = limiter.tryAcquire("a");
			assertThat(decision.allowed()).isTrue();
			assertThat(decision.remaining()).isEqualTo(expectedRemaining);
		}
		RateLimitDecision refused = limiter.tryAcquire("a");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.limit()).isEqualTo(15);
		assertThat(refused.remaining()).isZero();
		assertAbout(refused.retryAfter(), TOKEN);
		assertAbout(refused.resetAfter(), TOKEN.multipliedBy(15));
	}

	@Test
	void keySpelledAsTheDigestOfALongKeyShouldHaveABucketOfItsOwn() throws Exception {
		RateLimiter limiter = limiter(POLICY);
		String longKey = "k".repeat(300);
		limiter.tryAcquire(longKey, POLICY.capacity());
		assertThat(limiter.tryAcquire(longKey).allowed()).isFalse();
		byte[] digest = MessageDigest.getInstance("SHA-256")
			.digest(longKey.getBytes(StandardCharsets.UTF_8));
		String spelled = "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
		assertThat(limiter.tryAcquire(spelled).allowed()).isTrue();
		assertThat(limiter.tryAcquire(spelled).remaining()).isEqualTo(POLICY.capacity() - 2);
	}

	@Test
	void refusedRequestShouldBeAllowedOnceRetryAfterHasPassed() {
		RateLimiter limiter = limiter(POLICY);
		spend(limiter, "a", 15);
		RateLimitDecision refused = limiter.tryAcquire("a");
		assertThat(refused.allowed()).isFalse();
		advance(refused.retryAfter());
		RateLimitDecision allowed = limiter.tryAcquire("a");
		assertThat(allowed.allowed()).isTrue();
		assertThat(allowed.remaining()).isZero();
	}

	@Test
	void refusedRequestShouldStillBeRefusedJustBeforeRetryAfter() {
		RateLimiter limiter = limiter(POLICY);
		spend(limiter, "a", 15);
		advance(TOKEN.minusSeconds(30));
		RateLimitDecision refused = limiter.tryAcquire("a");
		assertThat(refused.allowed()).isFalse();
		assertAbout(refused.retryAfter(), Duration.ofSeconds(30));
	}

	@Test
	void bucketShouldRefillOneTokenPerInterval() {
		RateLimiter limiter = limiter(POLICY);
		spend(limiter, "a", 15);
		advance(TOKEN.multipliedBy(3));
		assertThat(spend(limiter, "a", 4)).containsExactly(true, true, true, false);
	}

	@Test
	void idleBucketShouldRefillToCapacityAndNoFurther() {
		RateLimiter limiter = limiter(POLICY);
		spend(limiter, "a", 5);
		advance(Duration.ofHours(2));
		RateLimitDecision decision = limiter.tryAcquire("a");
		assertThat(decision.remaining()).isEqualTo(14);
		assertThat(decision.resetAfter()).isEqualTo(TOKEN);
	}

	@Test
	void resetAfterShouldShrinkAsTimePasses() {
		RateLimiter limiter = limiter(POLICY);
		spend(limiter, "a", 2);
		advance(Duration.ofSeconds(30));
		RateLimitDecision decision = limiter.tryAcquire("a");
		assertThat(decision.remaining()).isEqualTo(12);
		assertAbout(decision.resetAfter(), Duration.ofSeconds(150));
	}

	@Test
	void keysShouldHaveBucketsOfTheirOwn() {
		RateLimiter limiter = limiter(POLICY);
		spend(limiter, "a", 15);
		assertThat(limiter.tryAcquire("a").allowed()).isFalse();
		RateLimitDecision other = limiter.tryAcquire("b");
		assertThat(other.allowed()).isTrue();
		assertThat(other.remaining()).isEqualTo(14);
	}

	@Test
	void severalPermitsShouldBeTakenAllOrNone() {
		RateLimiter limiter = limiter(POLICY);
		RateLimitDecision ten = limiter.tryAcquire("a", 10);
		assertThat(ten.allowed()).isTrue();
		assertThat(ten.remaining()).isEqualTo(5);
		assertThat(ten.resetAfter()).isEqualTo(TOKEN.multipliedBy(10));
		RateLimitDecision six = limiter.tryAcquire("a", 6);
		assertThat(six.allowed()).isFalse();
		assertThat(six.remaining()).isEqualTo(5);
		assertAbout(six.retryAfter(), TOKEN);
		RateLimitDecision five = limiter.tryAcquire("a", 5);
		assertThat(five.allowed()).isTrue();
		assertThat(five.remaining()).isZero();
	}

	@Test
	void refusalsShouldNotSpendTokens() {
		RateLimiter limiter = limiter(POLICY);
		spend(limiter, "a", 15);
		assertThat(spend(limiter, "a", 20)).doesNotContain(true);
		advance(TOKEN);
		assertThat(spend(limiter, "a", 2)).containsExactly(true, false);
	}

	@Test
	void requestForMorePermitsThanTheBucketHoldsShouldNeverBeAllowed() {
		RateLimiter limiter = limiter(POLICY);
		RateLimitDecision decision = limiter.tryAcquire("a", 16);
		assertThat(decision.allowed()).isFalse();
		assertThat(decision.remaining()).isEqualTo(15);
		assertThat(decision.retryAfter()).isEqualTo(NEVER);
		assertThat(limiter.tryAcquire("a", 15).allowed()).isTrue();
	}

	@Test
	void spentBucketOfAPolicyThatNeverRefillsShouldStaySpent() {
		RateLimiter limiter = limiter(new RateLimitPolicy("no-refill", 0, Duration.ofMinutes(1), 3));
		RateLimitDecision first = limiter.tryAcquire("a");
		assertThat(first.remaining()).isEqualTo(2);
		assertThat(first.resetAfter()).isEqualTo(NEVER);
		assertThat(spend(limiter, "a", 3)).containsExactly(true, true, false);
		advance(Duration.ofDays(30));
		RateLimitDecision refused = limiter.tryAcquire("a");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.remaining()).isZero();
		assertThat(refused.retryAfter()).isEqualTo(NEVER);
	}

	@Test
	void untouchedBucketOfAPolicyThatNeverRefillsShouldBeFullThoughItRefuses() {
		// more permits than it holds: refused for ever, from a bucket full now
		RateLimitDecision tooMany = limiter(new RateLimitPolicy("no-refill", 0, Duration.ofMinutes(1), 3))
			.tryAcquire("a", 4);
		assertThat(tooMany.allowed()).isFalse();
		assertThat(tooMany.remaining()).isEqualTo(3);
		assertThat(tooMany.retryAfter()).isEqualTo(NEVER);
		assertThat(tooMany.resetAfter()).isZero();
		// a policy of no tokens at all (a path closed by configuration) refuses every request, its bucket full
		RateLimitDecision closed = limiter(new RateLimitPolicy("closed", 0, Duration.ofMinutes(1), 0)).tryAcquire("a");
		assertThat(closed.allowed()).isFalse();
		assertThat(closed.remaining()).isZero();
		assertThat(closed.retryAfter()).isEqualTo(NEVER);
		assertThat(closed.resetAfter()).isZero();
	}

	@Test
	void largeQuotaThatNeverRefillsShouldStaySpentToo() {
		RateLimiter limiter = limiter(new RateLimitPolicy("no-refill", 0, Duration.ofMinutes(1), 1_000_000_000));
		assertThat(limiter.tryAcquire("a", 1_000_000_000).allowed()).isTrue();
		assertThat(limiter.tryAcquire("a").allowed()).isFalse();
		advance(Duration.ofHours(1));
		RateLimitDecision refused = limiter.tryAcquire("a");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(NEVER);
		assertThat(limiter.tryAcquire("b", 999_999_999).remaining()).isEqualTo(1);
	}

	@Test
	void concurrentRequestsShouldNeverTakeMoreThanTheBucketHolds() throws Exception {
		RateLimiter limiter = limiter(POLICY);
		int threads = 6;
		int attemptsPerThread = 10;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			AtomicInteger total = new AtomicInteger();
			ConcurrentRun.together(pool, threads, Duration.ofSeconds(30), (thread) -> {
				for (int i = 0; i < attemptsPerThread; i++) {
					if (limiter.tryAcquire("shared").allowed()) {
						total.incrementAndGet();
					}
				}
			});
			assertThat(total).hasValue(15);
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static List<Boolean> spend(RateLimiter limiter, String key, int requests) {
		List<Boolean> outcomes = new ArrayList<>();
		for (int i = 0; i < requests; i++) {
			outcomes.add(limiter.tryAcquire(key).allowed());
		}
		return outcomes;
	}

	private void assertAbout(Duration actual, Duration expected) {
		assertThat(actual).isBetween(expected.minus(timeSlack()), expected);
	}

}
