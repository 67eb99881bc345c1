package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A web application for the rate-limit filter's end-to-end tests: every path answers {@code ok}, and limiters run on
 * a frozen clock, which only a test moves, so that every header value is exact.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(
		excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
class RateLimitTestApplication {

	@Bean
	FrozenClock frozenClock() {
		return new FrozenClock();
	}

	@Bean
	RateLimiterFactory frozenClockRateLimiterFactory(FrozenClock clock) {
		return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, clock);
	}

	static RequestPostProcessor from(String address) {
		return (request) -> {
			request.setRemoteAddr(address);
			return request;
		};
	}

	// Registered as a member class of this configuration.
	@RestController
	static class AnyPathController {

		@RequestMapping("/**")
		String ok() {
			return "ok";
		}

	}

	static final class FrozenClock implements LongSupplier {

		private final AtomicLong nanos = new AtomicLong(42);

		@Override
		public long getAsLong() {
			return this.nanos.get();
		}

		void advance(Duration duration) {
			this.nanos.addAndGet(duration.toNanos());
		}

	}

}
