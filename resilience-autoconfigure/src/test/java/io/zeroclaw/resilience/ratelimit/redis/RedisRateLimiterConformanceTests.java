package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimiterConformanceTests;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The conformance suite against a real Redis. Time moves with an offset the script adds to Redis's {@code TIME};
 * failures are not hidden by a fallback ({@code DENY} would surface them as exceptions).
 */
class RedisRateLimiterConformanceTests extends RateLimiterConformanceTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static RedisClient client;

	private static LettuceConnector connector;

	private final AtomicLong offsetMicros = new AtomicLong();

	@BeforeAll
	static void connect() {
		client = RedisClient.create(redis.uri());
		connector = new LettuceConnector(() -> client.connect(ByteArrayCodec.INSTANCE).async());
	}

	@AfterAll
	static void disconnect() {
		if (client != null) {
			client.shutdown();
		}
	}

	@Override
	protected RateLimiter limiter(RateLimitPolicy policy) {
		RedisRateLimiterConfig config = new RedisRateLimiterConfig("conformance:" + UUID.randomUUID() + ":",
				Duration.ofSeconds(5), OnFailure.DENY);
		return new RedisRateLimiter(policy, connector, config, null, null, System::nanoTime, this.offsetMicros::get);
	}

	@Override
	protected void advance(Duration duration) {
		this.offsetMicros.addAndGet(duration.toNanos() / 1000);
	}

	@Override
	protected Duration timeSlack() {
		return Duration.ofSeconds(10);
	}

}
