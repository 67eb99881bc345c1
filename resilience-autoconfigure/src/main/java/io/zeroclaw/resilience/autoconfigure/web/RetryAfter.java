package io.zeroclaw.resilience.autoconfigure.web;

import java.time.Duration;

/**
 * The {@code Retry-After} value of a refused request: whole seconds, rounded up, and at least one, so a client that
 * honours it never comes back before it would be let in, and never busy-loops on {@code Retry-After: 0}.
 */
public final class RetryAfter {

	private RetryAfter() {
	}

	/**
	 * @param wait the exact time until the request would be allowed; {@code null} or negative counts as zero
	 * @return the whole seconds to send, at least 1
	 */
	public static long seconds(Duration wait) {
		return Math.max(1, ceilSeconds(wait));
	}

	/**
	 * @param duration a duration; {@code null} or negative counts as zero
	 * @return its whole seconds, rounded up, possibly zero
	 */
	public static long ceilSeconds(Duration duration) {
		if (duration == null || duration.isNegative() || duration.isZero()) {
			return 0;
		}
		long seconds = duration.getSeconds();
		return (duration.getNano() > 0) ? seconds + 1 : seconds;
	}

}
