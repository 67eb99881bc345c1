package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * A decision refuses what its documentation rules out, so that a limiter of an application's own that answers wrongly
 * fails where it does, not later in the filter.
 */
class RateLimitDecisionTests {

	@Test
	void decisionShouldRefuseNegativeCountsAndDurations() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RateLimitDecision(true, -1, 0, Duration.ZERO, Duration.ZERO))
			.withMessageContaining("limit");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RateLimitDecision(true, 10, -3, Duration.ZERO, Duration.ZERO))
			.withMessageContaining("remaining");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RateLimitDecision(false, 10, 0, Duration.ofSeconds(-1), Duration.ZERO))
			.withMessageContaining("retryAfter");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RateLimitDecision(false, 10, 0, Duration.ZERO, Duration.ofSeconds(-1)))
			.withMessageContaining("resetAfter");
	}

	@Test
	void decisionShouldRefuseMissingDurations() {
		assertThatNullPointerException().isThrownBy(() -> new RateLimitDecision(true, 10, 3, null, Duration.ZERO))
			.withMessageContaining("retryAfter");
		assertThatNullPointerException().isThrownBy(() -> new RateLimitDecision(true, 10, 3, Duration.ZERO, null))
			.withMessageContaining("resetAfter");
		assertThat(new RateLimitDecision(true, 10, 3, Duration.ZERO, Duration.ofSeconds(7)).remaining()).isEqualTo(3);
	}

}
