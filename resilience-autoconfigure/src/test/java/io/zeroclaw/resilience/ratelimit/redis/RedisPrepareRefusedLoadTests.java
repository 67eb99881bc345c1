package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis that answers the script's load with an error that will not change (an ACL user without
 * {@code script|load}, a renamed {@code SCRIPT} command): the decisions do without the load ({@code EVAL} after
 * {@code NOSCRIPT}), and the preparation has nothing to wait for.
 */
class RedisPrepareRefusedLoadTests {

	private static final Pattern REJECTED = Pattern.compile("cmdstat_script\\|load:[^\\r\\n]*rejected_calls=(\\d+)");

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private RedisClient client;

	@BeforeEach
	void userWithoutScriptLoad() {
		redis.command("CONFIG", "RESETSTAT");
		assertThat(redis.command("ACL", "SETUSER", "limiter", "on", ">secret", "~*", "+@all", "-script|load"))
			.isEqualTo("+OK");
		this.client = RedisClient.create(RedisURI.builder()
			.withHost("127.0.0.1")
			.withPort(redis.port())
			.withAuthentication("limiter", "secret")
			.build());
	}

	@AfterEach
	void shutdown() {
		this.client.shutdown();
		redis.command("ACL", "DELUSER", "limiter");
	}

	@Test
	void scriptLoadRefusedForGoodShouldNotBeSentAgainEverySoOftenForTheApplicationsLife() {
		LettuceConnector connector = new LettuceConnector(() -> this.client.connect(ByteArrayCodec.INSTANCE).async());
		try {
			assertThat(RedisRateLimiter.prepare(connector)).failsWithin(Duration.ofSeconds(10));
			assertThat(rejectedLoads()).isEqualTo(1);
			// the same refusal comes back on every try: after 1 s, 2 s, 4 s ... and then every 30 s for good
			await().during(Duration.ofMillis(2500))
				.atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(rejectedLoads()).as("SCRIPT LOADs refused").isEqualTo(1));
		}
		finally {
			connector.stop();
		}
	}

	@Test
	void decisionsShouldDoWithoutAScriptLoadRefusedForGood() {
		LettuceConnector connector = new LettuceConnector(() -> this.client.connect(ByteArrayCodec.INSTANCE).async());
		try {
			assertThat(RedisRateLimiter.prepare(connector)).failsWithin(Duration.ofSeconds(10));
			RateLimitPolicy policy = new RateLimitPolicy("refused", 1, Duration.ofMinutes(1), 0);
			RedisRateLimiterConfig config = new RedisRateLimiterConfig("refused:", Duration.ofSeconds(5),
					OnFailure.DENY);
			RedisRateLimiter limiter = new RedisRateLimiter(policy, connector, config, null, null);
			// under DENY a decision Redis did not make would throw: both are Redis's, the script sent with EVAL
			assertThat(limiter.tryAcquire("alice", 1).allowed()).isTrue();
			assertThat(limiter.tryAcquire("alice", 1).allowed()).isFalse();
		}
		finally {
			connector.stop();
		}
	}

	private static int rejectedLoads() {
		Matcher matcher = REJECTED.matcher(redis.command("INFO", "commandstats"));
		return matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
	}

}
