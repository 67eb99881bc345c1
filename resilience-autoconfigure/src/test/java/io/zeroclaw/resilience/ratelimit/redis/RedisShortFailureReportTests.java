package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.UUID;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A failure too short to open the limiter's breaker (a write Redis refuses for memory, one late answer in a
 * fail-over) is logged at WARN, and Redis's next decision says at INFO that it answers again, as after an outage.
 * A caller interrupted while it waits is no failure of Redis: neither logged nor counted against it.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisShortFailureReportTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer("--maxmemory-policy", "noeviction");

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("brief", 10, Duration.ofMinutes(10), 5);

	private final RedisClient client = RedisClient.create(redis.uri());

	@AfterEach
	void cleanUp() {
		redis.command("CONFIG", "SET", "maxmemory", "0");
		this.client.shutdown();
	}

	@Test
	void redisDecidingAgainAfterAShortFailureShouldBeReportedOnceAtInfo(CapturedOutput output) {
		var commands = this.client.connect(ByteArrayCodec.INSTANCE).async();
		RateLimiter limiter = new RedisRateLimiter(POLICY, new LettuceConnector(() -> commands),
				new RedisRateLimiterConfig("brief:" + UUID.randomUUID() + ":", Duration.ofSeconds(10), OnFailure.DENY),
				null, null);
		assertThat(limiter.tryAcquire("warm-up").allowed()).isTrue();
		// maxmemory reached under noeviction: the write fails with OOM, once, far below the breaker's threshold
		redis.command("CONFIG", "SET", "maxmemory", "1");
		assertThatExceptionOfType(RateLimitStoreUnavailableException.class)
			.isThrownBy(() -> limiter.tryAcquire("client-1"));
		assertThat(output).contains("Redis did not decide for rate-limit policy 'brief'").contains("OOM");
		assertThat(output).doesNotContain("Redis answers again");
		redis.command("CONFIG", "SET", "maxmemory", "0");
		for (int i = 0; i < 5; i++) {
			assertThat(limiter.tryAcquire("client-" + i).allowed()).isTrue();
		}
		assertThat(output.getOut().split("Redis answers again: rate-limit policy 'brief'", -1))
			.as("one INFO line, and one more part")
			.hasSize(2);
	}

	@Test
	void anInterruptedCallerShouldNotBeReportedAsAFailureOfRedis(CapturedOutput output) {
		var commands = this.client.connect(ByteArrayCodec.INSTANCE).async();
		RateLimiter limiter = new RedisRateLimiter(new RateLimitPolicy("interrupted", 1, Duration.ofMinutes(10), 0),
				new LettuceConnector(() -> commands), new RedisRateLimiterConfig("interrupted:" + UUID.randomUUID()
						+ ":", Duration.ofSeconds(10), OnFailure.ALLOW, 2, Duration.ofMinutes(5)),
				null, null);
		assertThat(limiter.tryAcquire("warm-up").allowed()).isTrue();
		try {
			for (int i = 0; i < 3; i++) {
				Thread.currentThread().interrupt();
				assertThat(limiter.tryAcquire("caller-" + i).allowed()).as("decided by on-failure: allow").isTrue();
				assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
			}
		}
		finally {
			Thread.interrupted();
		}
		// Redis still decides (the limiter's breaker did not open): a bucket of one, spent, refuses
		assertThat(limiter.tryAcquire("spender").allowed()).isTrue();
		assertThat(limiter.tryAcquire("spender").allowed()).isFalse();
		assertThat(output).doesNotContain("Redis did not decide for rate-limit policy 'interrupted'")
			.doesNotContain("Redis answers again: rate-limit policy 'interrupted'");
	}

}
