package io.zeroclaw.resilience.ratelimit;

/**
 * Decides, per key, whether a request may proceed under one {@link RateLimitPolicy}. Implementations are thread-safe.
 */
public interface RateLimiter {

	/**
	 * Takes one permit for {@code key} if the key's bucket holds one.
	 * @param key the client key
	 * @return the decision, never {@code null}
	 */
	default RateLimitDecision tryAcquire(String key) {
		return tryAcquire(key, 1);
	}

	/**
	 * Takes {@code permits} permits for {@code key} at once, or none.
	 * @param key the client key
	 * @param permits how many permits to take; at least 1
	 * @return the decision, never {@code null}
	 */
	RateLimitDecision tryAcquire(String key, long permits);

}
