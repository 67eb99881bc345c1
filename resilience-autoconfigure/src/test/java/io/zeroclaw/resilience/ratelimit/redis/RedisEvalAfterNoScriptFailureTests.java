package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code EVAL} sent after a {@code NOSCRIPT}, when Redis does not run it: refused to the user, it is a decision
 * Redis did not make (not answering until Redis decides again) but no failure of Redis; failing for any other
 * reason (out of memory), it is a failure of Redis like any other, towards its rest.
 */
class RedisEvalAfterNoScriptFailureTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final String prefix = "evalfail:" + UUID.randomUUID() + ":";

	private final String user = "no-eval-" + UUID.randomUUID();

	private final List<Throwable> errors = new CopyOnWriteArrayList<>();

	private RedisClient client;

	@AfterEach
	void close() {
		redis.command("CONFIG", "SET", "maxmemory", "0");
		if (this.client != null) {
			this.client.shutdown();
		}
		redis.command("ACL", "DELUSER", this.user);
	}

	@Test
	void evalRefusedToTheUserShouldBeADecisionRedisDidNotMake() throws Exception {
		assertThat(redis.command("ACL", "SETUSER", this.user, "on", ">pw", "~" + this.prefix + "*", "+evalsha",
				"+time", "+get", "+psetex")).isEqualTo("+OK");
		this.client = RedisClient.create(RedisURI.builder()
			.withHost("127.0.0.1")
			.withPort(redis.port())
			.withAuthentication(this.user, "pw")
			.build());
		LettuceConnector connector = new LettuceConnector(() -> this.client.connect(ByteArrayCodec.INSTANCE).async());
		try {
			RedisRateLimiter limiter = limiter(connector);
			assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("+OK");
			limiter.tryAcquire("alice", 1);
			assertThat(this.errors).hasSize(1);
			assertThat(this.errors.get(0)).hasMessageStartingWith("NOPERM");
			assertThat(limiter.isAnswering()).as("after a decision Redis did not make").isFalse();
		}
		finally {
			connector.stop();
		}
	}

	@Test
	void evalAfterNoScriptFailingOutOfMemoryShouldCountTowardsRedisRest() throws Exception {
		this.client = RedisClient.create(redis.uri());
		LettuceConnector connector = new LettuceConnector(() -> this.client.connect(ByteArrayCodec.INSTANCE).async());
		try {
			RedisRateLimiter.prepare(connector).get(10, TimeUnit.SECONDS);
			RedisRateLimiter limiter = limiter(connector);
			assertThat(limiter.tryAcquire("alice", 1).allowed()).isTrue();
			assertThat(redis.command("CONFIG", "SET", "maxmemory", "1")).isEqualTo("+OK");
			assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("+OK");
			limiter.tryAcquire("bob", 1);
			assertThat(this.errors).hasSize(1);
			assertThat(this.errors.get(0)).hasMessageContaining("OOM command not allowed");
			// one failure in a row is the threshold: Redis is given its rest, and the next decision is not sent
			limiter.tryAcquire("carol", 1);
			assertThat(this.errors).hasSize(2);
			assertThat(this.errors.get(1)).isSameAs(RedisRateLimiter.RedisResting.INSTANCE);
		}
		finally {
			connector.stop();
		}
	}

	private RedisRateLimiter limiter(LettuceConnector connector) {
		return new RedisRateLimiter(new RateLimitPolicy("e", 10, Duration.ofMinutes(1), 0), connector,
				new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(5), OnFailure.ALLOW, 1,
						Duration.ofMinutes(5)),
				null, this.errors::add);
	}

}
