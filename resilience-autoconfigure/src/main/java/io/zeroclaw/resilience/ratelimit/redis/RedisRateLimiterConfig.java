package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link RedisRateLimiter} talks to Redis and what it does when Redis does not answer.
 *
 * @param keyPrefix prefix of every key the limiter writes; may be empty, never {@code null}, without braces
 * @param timeout longest a decision waits for Redis; positive
 * @param onFailure what a decision is when Redis fails or is too slow
 * @param failureThreshold consecutive failures after which the limiter stops asking Redis (decisions that time
 * out together count once); at least 1
 * @param retryInterval how long it then stops asking before one decision probes Redis again; positive
 */
public record RedisRateLimiterConfig(String keyPrefix, Duration timeout, OnFailure onFailure, int failureThreshold,
		Duration retryInterval) {

	/** Consecutive failures after which Redis is given a rest, unless configured otherwise. */
	public static final int DEFAULT_FAILURE_THRESHOLD = 3;

	/** How long Redis is given a rest, unless configured otherwise. */
	public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(2);

	/**
	 * Checks the arguments.
	 * @throws IllegalArgumentException naming the field when one is out of range
	 */
	public RedisRateLimiterConfig {
		if (keyPrefix == null) {
			throw new IllegalArgumentException("keyPrefix must not be null");
		}
		if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
			throw new IllegalArgumentException("keyPrefix must not hold '{' or '}', which would put every client on "
					+ "one Redis Cluster slot, was '" + keyPrefix + "'");
		}
		Objects.requireNonNull(timeout, "timeout must not be null");
		if (timeout.isZero() || timeout.isNegative()) {
			throw new IllegalArgumentException("timeout must be positive, was " + timeout);
		}
		Objects.requireNonNull(onFailure, "onFailure must not be null");
		if (failureThreshold < 1) {
			throw new IllegalArgumentException("failureThreshold must be at least 1, was " + failureThreshold);
		}
		Objects.requireNonNull(retryInterval, "retryInterval must not be null");
		if (retryInterval.isZero() || retryInterval.isNegative()) {
			throw new IllegalArgumentException("retryInterval must be positive, was " + retryInterval);
		}
	}

	/**
	 * A configuration with the default failure threshold and retry interval.
	 * @param keyPrefix prefix of every key the limiter writes
	 * @param timeout longest a decision waits for Redis
	 * @param onFailure what a decision is when Redis fails or is too slow
	 */
	public RedisRateLimiterConfig(String keyPrefix, Duration timeout, OnFailure onFailure) {
		this(keyPrefix, timeout, onFailure, DEFAULT_FAILURE_THRESHOLD, DEFAULT_RETRY_INTERVAL);
	}

	/** What a decision is when Redis fails, is too slow, or is being given a rest. */
	public enum OnFailure {

		/** Decide with the in-memory limiter of the same policy: each instance then enforces its own quota. */
		LOCAL,

		/** Let the request through. */
		ALLOW,

		/** Refuse with {@link io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException}. */
		DENY

	}

}
