package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * A token-bucket quota: each key's bucket holds {@code requestsPerWindow + burst} tokens, starts full, and refills at
 * {@code requestsPerWindow} per {@code window}.
 *
 * @param name the policy's name, sent in the {@code RateLimit} headers
 * @param requestsPerWindow tokens refilled per window; zero or more
 * @param window the refill window; positive unless the quota is zero
 * @param burst tokens held above {@code requestsPerWindow}; zero or more
 */
public record RateLimitPolicy(String name, long requestsPerWindow, Duration window, long burst) {

	/**
	 * Checks the arguments.
	 * @throws IllegalArgumentException naming the field when one is out of range
	 */
	public RateLimitPolicy {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		Objects.requireNonNull(window, "window must not be null");
		if (requestsPerWindow < 0) {
			throw new IllegalArgumentException("requestsPerWindow must not be negative, was " + requestsPerWindow);
		}
		if (burst < 0) {
			throw new IllegalArgumentException("burst must not be negative, was " + burst);
		}
		if (window.isNegative()) {
			throw new IllegalArgumentException("window must not be negative, was " + window);
		}
		if (window.isZero() && requestsPerWindow > 0) {
			throw new IllegalArgumentException("window must be positive when requestsPerWindow is positive");
		}
		if (requestsPerWindow + burst < 0) {
			throw new IllegalArgumentException("requestsPerWindow + burst overflows");
		}
	}

	/** @return how many tokens a full bucket holds: {@code requestsPerWindow + burst} */
	public long capacity() {
		return this.requestsPerWindow + this.burst;
	}

}
