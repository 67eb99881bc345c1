package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Takes that race with the merge of a striped key: a taker that meets a stripe the merge has frozen must wait and
 * start over on the same bucket, never treat the key as dropped and give it a second, full bucket.
 */
@Timeout(60)
class LocalRateLimiterMergeRaceTests extends HammeredLimiterTests {

	private static final int KEYS = 20_000;

	@Test
	void takesRacingTheMergeOfManyStripedKeysShouldGetExactlyWhatEachBucketHolds() throws Exception {
		// 8 tokens in 4 stripes of 2 on a frozen clock: a caller whose own stripe is empty borrows from a full one and
		// merges the key, so every key is merged while the other threads take from its stripes.
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 8, Duration.ofMillis(8), 0), KEYS,
				this.clock, 4);
		for (int key = 0; key < KEYS; key++) {
			limiter.tryAcquire("k" + key, 1);
			assertThat(limiter.stripe("k" + key)).isTrue();
		}
		AtomicLongArray allowed = new AtomicLongArray(KEYS);
		hammer((thread) -> {
			for (int key = 0; key < KEYS; key++) {
				while (limiter.tryAcquire("k" + key).allowed()) {
					allowed.incrementAndGet(key);
				}
			}
		});
		for (int key = 0; key < KEYS; key++) {
			assertThat(allowed.get(key)).as("tokens taken from k%d", key).isEqualTo(7);
		}
		assertThat(limiter.size()).isEqualTo(KEYS);
	}

	@Test
	void mergedKeyShouldBeStripedAgainWhenContentionComesBack() {
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("p", 100, Duration.ofMillis(100), 0), 100,
				this.clock, 4);
		limiter.tryAcquire("k");
		assertThat(limiter.stripe("k")).isTrue();
		// More permits than any stripe holds: the key is merged back into one bucket.
		assertThat(limiter.tryAcquire("k", 60).allowed()).isTrue();
		assertThat(limiter.isStriped("k")).isFalse();
		assertThat(limiter.stripe("k")).isTrue();
		long allowed = 0;
		while (limiter.tryAcquire("k").allowed()) {
			allowed++;
		}
		assertThat(allowed).isEqualTo(39);
	}

}
