package io.zeroclaw.resilience.autoconfigure.ratelimit;

import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimiter;

/**
 * Creates the one {@link RateLimiter} of a policy, once per policy for the application's lifetime. The auto-configured
 * factory follows {@code zeroclaw.resilience.rate-limit.store}; a bean of this type of the application's own wins.
 */
@FunctionalInterface
public interface RateLimiterFactory {

	/**
	 * @param policy the policy to enforce
	 * @param maxKeys the most keys to track in memory for it
	 * @return the policy's limiter
	 */
	RateLimiter create(RateLimitPolicy policy, int maxKeys);

}
