package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The conformance suite against the in-memory store, on a clock that moves only when told.
 */
class LocalRateLimiterConformanceTests extends RateLimiterConformanceTests {

	private final AtomicLong nanos = new AtomicLong(123_456_789L);

	@Override
	protected RateLimiter limiter(RateLimitPolicy policy) {
		return new LocalRateLimiter(policy, 1000, this.nanos::get);
	}

	@Override
	protected void advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
	}

}
