package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rounding in the limiter's integer arithmetic: the emission interval is rounded up, so that the limiter never allows
 * more than the policy's rate, and {@code remaining} counts whole tokens exactly, also where the reciprocal of the
 * emission interval rounds a whole number of tokens down to just below it.
 */
class LocalRateLimiterRoundingTests {

	@Test
	void remainingShouldCountDownOneByOneWhereTheReciprocalRoundsBelowAWholeToken() {
		// 7 a second: T = 142 857 143 ns, and 1, 2 and 4 tokens' time times 1.0 / T is just below 1, 2 and 4.
		FakeNanoClock clock = new FakeNanoClock();
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 7, Duration.ofSeconds(1), 0), 10,
				clock, 2);
		for (long expected = 6; expected >= 0; expected--) {
			RateLimitDecision decision = limiter.tryAcquire("k");
			assertThat(decision.allowed()).isTrue();
			assertThat(decision.remaining()).isEqualTo(expected);
		}
		assertThat(limiter.tryAcquire("k").allowed()).isFalse();
	}

	@Test
	void intervalThatDoesNotDivideTheWindowShouldBeRoundedUpNotDown() {
		// 3 a second: T = 333 333 334 ns, never 333 333 332.
		FakeNanoClock clock = new FakeNanoClock();
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 3, Duration.ofSeconds(1), 0), 10,
				clock, 2);
		for (int i = 0; i < 3; i++) {
			assertThat(limiter.tryAcquire("k").allowed()).isTrue();
		}
		RateLimitDecision refused = limiter.tryAcquire("k");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofNanos(333_333_334));
		clock.advanceNanos(333_333_333);
		assertThat(limiter.tryAcquire("k").allowed()).isFalse();
		clock.advanceNanos(1);
		assertThat(limiter.tryAcquire("k").allowed()).isTrue();
	}

}
