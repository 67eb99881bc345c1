package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator is told, at WARN and at most once a minute, that newcomers are served from the overflow bucket.
 */
@ExtendWith(OutputCaptureExtension.class)
class LocalRateLimiterOverflowWarningTests {

	private static final String WARNING = "new keys share one overflow bucket";

	@Test
	void overflowShouldBeLoggedAtMostOnceAMinute(CapturedOutput output) {
		FakeNanoClock clock = new FakeNanoClock();
		LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("webhook", 5, Duration.ofMinutes(1), 0), 1,
				clock);
		limiter.tryAcquire("resident");
		for (int i = 0; i < 100; i++) {
			limiter.tryAcquire("newcomer-" + i);
		}
		assertThat(occurrences(output.toString())).isEqualTo(1);
		assertThat(output).contains("WARN").contains("'webhook'");
		// Just under a minute later "resident" is full again and gives its slot to a newcomer, which is active.
		clock.advanceNanos(Duration.ofMinutes(1).toNanos() - 1);
		limiter.tryAcquire("late-newcomer");
		assertThat(limiter.overflowDecisions()).isEqualTo(100);
		limiter.tryAcquire("overflowing-newcomer");
		assertThat(limiter.overflowDecisions()).isEqualTo(101);
		assertThat(occurrences(output.toString())).isEqualTo(1);
		clock.advanceNanos(1);
		limiter.tryAcquire("one-more");
		assertThat(limiter.overflowDecisions()).isEqualTo(102);
		assertThat(occurrences(output.toString())).isEqualTo(2);
	}

	private static int occurrences(String output) {
		return output.split(WARNING, -1).length - 1;
	}

}
