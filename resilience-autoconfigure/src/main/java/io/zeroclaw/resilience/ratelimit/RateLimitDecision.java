package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;

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

}
