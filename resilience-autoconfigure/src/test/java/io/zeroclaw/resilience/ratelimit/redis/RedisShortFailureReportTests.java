package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A failure too short to open the limiter's breaker (a write Redis refuses for memory, one late answer in a
 * fail-over) is logged at WARN, and Redis's next decision says at INFO that it answers again, as after an outage.
 * A caller interrupted while it waits is no failure of Redis: Redis decides for it, as for any other.
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

	@ParameterizedTest
	@EnumSource(OnFailure.class)
	void anInterruptedCallerShouldBeDecidedByRedisAndKeepItsInterrupt(OnFailure onFailure, CapturedOutput output) {
		var commands = this.client.connect(ByteArrayCodec.INSTANCE).async();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RateLimiter limiter = new RedisRateLimiter(new RateLimitPolicy("interrupted", 1, Duration.ofMinutes(10), 0),
				new LettuceConnector(() -> commands), new RedisRateLimiterConfig("interrupted:" + UUID.randomUUID()
						+ ":", Duration.ofSeconds(10), onFailure, 2, Duration.ofMinutes(5)),
				new LocalRateLimiter(new RateLimitPolicy("interrupted", 1, Duration.ofMinutes(10), 0), 100),
				errors::add);
		assertThat(limiter.tryAcquire("warm-up").allowed()).isTrue();
		List<Boolean> allowed = new ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				// interrupted before the call: a caller whose request is abandoned, an application stopping
				Thread.currentThread().interrupt();
				allowed.add(limiter.tryAcquire("caller").allowed());
				assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
			}
		}
		finally {
			Thread.interrupted();
		}
		// Redis decided each one: a bucket of one spends its token once, never in a fallback as well
		assertThat(allowed).containsExactly(true, false, false);
		assertThat(errors).as("errors of Redis counted").isEmpty();
		assertThat(output).doesNotContain("Redis did not decide for rate-limit policy 'interrupted'")
			.doesNotContain("Redis answers again: rate-limit policy 'interrupted'");
	}

}
