package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;

import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code q} and {@code w} of {@code RateLimit-Policy}: the capacity over the window for a window of whole seconds;
 * over the next whole second, with what refills in the extra time, for one that is not; no window for a quota that
 * is never refilled.
 */
class RateLimitPolicyParametersTests {

	@ParameterizedTest(name = "{0} per {1} + {2} -> {3}")
	@CsvSource(delimiter = '|', textBlock = """
			60              | PT1M       | 10 | ;q=70;w=60
			5               | PT1M       | 0  | ;q=5;w=60
			1               | PT0.1S     | 0  | ;q=10;w=1
			1               | PT0.1S     | 4  | ;q=14;w=1
			3               | PT1.5S     | 0  | ;q=4;w=2
			7               | PT0.3S     | 0  | ;q=23;w=1
			0               | PT1M       | 5  | ;q=5
			999999999999999 | PT0.000001S | 0 | ;q=999999999999999;w=1
			""")
	void parametersShouldAdvertiseWholeSecondsWithoutOverstatingTheRate(long requests, Duration window, long burst,
			String expected) {
		RateLimitPolicy policy = new RateLimitPolicy("p", requests, window, burst);
		assertThat(RateLimitFilter.policyParameters(policy)).isEqualTo(expected);
	}

}
