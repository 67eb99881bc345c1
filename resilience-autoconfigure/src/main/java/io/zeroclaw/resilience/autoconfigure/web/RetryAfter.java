package io.zeroclaw.resilience.autoconfigure.web;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The {@code Retry-After} value of a refused request: whole seconds, rounded up, and at least one, so a client that
 * honours it never comes back before it would be let in, and never busy-loops on {@code Retry-After: 0}.
 * <p>
 * Every value is capped at {@value #MAX_SECONDS} seconds (about 68 years), which is how "never" is sent (a quota that
 * never refills, a breaker that never recovers): larger numbers break clients that read the header into a 32-bit
 * integer, and the {@code RateLimit} header's numbers are RFC 8941 integers of at most 15 digits.
 */
public final class RetryAfter {

	/** The largest number of seconds sent: {@code 2^31 - 1}. */
	public static final long MAX_SECONDS = Integer.MAX_VALUE;

	private RetryAfter() {
	}

	/**
	 * @param wait the exact time until the request would be allowed; {@code null} or negative counts as zero
	 * @return the whole seconds to send, at least 1
	 */
	public static long seconds(@Nullable Duration wait) {
		return Math.max(1, ceilSeconds(wait));
	}

	/**
	 * @param duration a duration; {@code null} or negative counts as zero
	 * @return its whole seconds, rounded up, possibly zero, at most {@link #MAX_SECONDS}
	 */
	public static long ceilSeconds(@Nullable Duration duration) {
		if (duration == null || duration.isNegative() || duration.isZero()) {
			return 0;
		}
		long seconds = duration.getSeconds();
		if (seconds >= MAX_SECONDS) {
			return MAX_SECONDS;
		}
		return (duration.getNano() > 0) ? seconds + 1 : seconds;
	}

}
