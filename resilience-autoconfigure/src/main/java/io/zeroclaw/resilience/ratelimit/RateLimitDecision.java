package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one {@link RateLimiter#tryAcquire(String, long)}.
 *
 * @param allowed whether the permits were taken
 * @param limit the bucket's capacity
 * @param remaining tokens left in the bucket after this decision; zero or more
 * @param retryAfter exact time until the same request would be allowed; zero when allowed
 * @param resetAfter time until the bucket is full again; zero when it is full
 */
public record RateLimitDecision(boolean allowed, long limit, long remaining, Duration retryAfter, Duration resetAfter) {

	/**
	 * Checks the arguments, so that a limiter of an application's own that answers wrongly fails where it does so,
	 * not in the filter that writes the headers.
	 * @throws IllegalArgumentException naming the field when one is negative
	 * @throws NullPointerException when a duration is {@code null}
	 */
	public RateLimitDecision {
		if (limit < 0) {
			throw new IllegalArgumentException("limit must not be negative, was " + limit);
		}
		if (remaining < 0) {
			throw new IllegalArgumentException("remaining must not be negative, was " + remaining);
		}
		if (Objects.requireNonNull(retryAfter, "retryAfter must not be null").isNegative()) {
			throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
		}
		if (Objects.requireNonNull(resetAfter, "resetAfter must not be null").isNegative()) {
			throw new IllegalArgumentException("resetAfter must not be negative, was " + resetAfter);
		}
	}

}
