package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys of clients gone idle leave the table while it still has room, so that the count of tracked keys (the
 * {@code keys} gauge, the endpoint) follows the clients still active rather than the most there ever were; and no
 * client whose bucket is not full again is forgotten.
 */
class LocalRateLimiterIdleKeysTests {

	private final FakeNanoClock clock = new FakeNanoClock();

	private final LocalRateLimiter limiter = new LocalRateLimiter(
			new RateLimitPolicy("default", 60, Duration.ofMinutes(1), 10), 10_000, this.clock);

	@Test
	void countReadLikeAGaugeShouldComeDownOnceIdleClientsBucketsAreFullAgain() {
		fill(9_000);
		assertThat(this.limiter.size()).isEqualTo(9_000);
		// one known client keeps using the service: no new key comes, the gauge is read every 15 s
		for (int scrape = 0; scrape < 40; scrape++) {
			this.clock.advance(Duration.ofSeconds(15));
			this.limiter.tryAcquire("203.0.113.1");
			this.limiter.forgetIdleKeys();
		}
		assertThat(this.limiter.size()).isEqualTo(1);
	}

	@Test
	void newKeysShouldDropIdleOnesWhileTheTableHasRoom() {
		fill(9_000);
		this.clock.advance(Duration.ofSeconds(71));
		for (int second = 0; second < 20; second++) {
			this.limiter.tryAcquire("192.0.2." + second);
			this.clock.advance(Duration.ofSeconds(1));
		}
		// the 9 000 idle keys are gone; of the newcomers, those whose buckets were full again at a later one's sweep too
		assertThat(this.limiter.size()).isBetween(1, 20);
		assertThat(this.limiter.overflowDecisions()).isZero();
	}

	@Test
	void aClientWhoseBucketIsNotFullShouldNotBeForgotten() {
		int taken = 0;
		while (taken < 100 && this.limiter.tryAcquire("spent").allowed()) {
			taken++;
		}
		assertThat(taken).isEqualTo(70);
		fill(5_000);
		// 15 s later the other keys are full again, "spent" (70 tokens owed, one a second) is not
		for (int second = 0; second < 15; second++) {
			this.clock.advance(Duration.ofSeconds(1));
			this.limiter.forgetIdleKeys();
		}
		assertThat(this.limiter.size()).isEqualTo(1);
		// still the same bucket: 15 tokens back, one taken now (a forgotten client would start on a full 70)
		RateLimitDecision decision = this.limiter.tryAcquire("spent");
		assertThat(decision.allowed()).isTrue();
		assertThat(decision.remaining()).isEqualTo(14);
	}

	@Test
	void forgettingShouldRunAtMostOnceASecond() {
		fill(9_000);
		this.clock.advance(Duration.ofSeconds(71));
		this.limiter.forgetIdleKeys();
		int afterOne = this.limiter.size();
		assertThat(afterOne).isLessThan(9_000);
		this.limiter.forgetIdleKeys();
		this.clock.advance(Duration.ofMillis(999));
		this.limiter.forgetIdleKeys();
		assertThat(this.limiter.size()).isEqualTo(afterOne);
		this.clock.advance(Duration.ofMillis(1));
		this.limiter.forgetIdleKeys();
		assertThat(this.limiter.size()).isLessThan(afterOne);
	}

	@Test
	void aLargeTableShouldBeSweptBelowTheBoundOnlyDownToAQuarterOfItsPeak() {
		// a map keeps the capacity of its peak: sweeping a few keys left in it would walk all its empty bins
		LocalRateLimiter large = new LocalRateLimiter(new RateLimitPolicy("default", 60, Duration.ofMinutes(1), 10),
				200_000, this.clock);
		for (int i = 0; i < 100_000; i++) {
			large.tryAcquire("198.51.100." + i);
		}
		this.clock.advance(Duration.ofSeconds(2));
		for (int read = 0; read < 100; read++) {
			large.forgetIdleKeys();
			this.clock.advance(Duration.ofSeconds(1));
		}
		assertThat(large.size()).isLessThan(25_000).isGreaterThanOrEqualTo(25_000 - LocalRateLimiter.SWEEP_CHUNK);
		// newcomers do not sweep it further either, and take the room there is
		for (int i = 0; i < 10; i++) {
			assertThat(large.tryAcquire("192.0.2." + i).allowed()).isTrue();
			this.clock.advance(Duration.ofSeconds(1));
		}
		assertThat(large.overflowDecisions()).isZero();
	}

	@Test
	void aTableWhoseMapStaysSmallEnoughShouldBeSweptToTheEnd() {
		// 90 000 keys fit the same 2^17 bins as 65 536 do: nothing to spare by stopping at a quarter
		LocalRateLimiter large = new LocalRateLimiter(new RateLimitPolicy("default", 60, Duration.ofMinutes(1), 10),
				200_000, this.clock);
		for (int i = 0; i < 90_000; i++) {
			large.tryAcquire("198.51.100." + i);
		}
		this.clock.advance(Duration.ofSeconds(2));
		for (int read = 0; read < 60; read++) {
			large.forgetIdleKeys();
			this.clock.advance(Duration.ofSeconds(1));
		}
		assertThat(large.size()).isZero();
	}

	/** {@code count} clients take one token each, within the same instant. */
	private void fill(int count) {
		for (int i = 0; i < count; i++) {
			assertThat(this.limiter.tryAcquire("198.51.100." + i).allowed()).isTrue();
		}
	}

}
