package io.zeroclaw.resilience.autoconfigure.web;

import java.time.Duration;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTests {

	@Test
	void waitShouldBeRoundedUpToWholeSecondsAndBeAtLeastOne() {
		assertThat(RetryAfter.seconds(Duration.ofMillis(1))).isEqualTo(1);
		assertThat(RetryAfter.seconds(Duration.ofMillis(1500))).isEqualTo(2);
		assertThat(RetryAfter.seconds(Duration.ofSeconds(20))).isEqualTo(20);
		assertThat(RetryAfter.seconds(Duration.ZERO)).isEqualTo(1);
		assertThat(RetryAfter.seconds(null)).isEqualTo(1);
		assertThat(RetryAfter.ceilSeconds(Duration.ZERO)).isZero();
	}

	@Test
	void waitThatNeverEndsShouldBeSentAsTheLargest32BitValue() {
		assertThat(RetryAfter.seconds(LocalRateLimiter.NEVER)).isEqualTo(2147483647L);
		assertThat(RetryAfter.ceilSeconds(Duration.ofDays(36_500))).isEqualTo(2147483647L);
		assertThat(RetryAfter.ceilSeconds(Duration.ofSeconds(Integer.MAX_VALUE - 1L).plusMillis(1)))
			.isEqualTo(2147483647L);
		assertThat(RetryAfter.ceilSeconds(Duration.ofSeconds(Integer.MAX_VALUE).plusMillis(1))).isEqualTo(2147483647L);
	}

}
