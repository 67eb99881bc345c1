package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A user without {@code eval}: the decisions that meet a lost script follow {@code on-failure}, and the script's load
 * sent beside them lets the next decision through, however many met it at once (their refusals are no failure of
 * Redis, so Redis is not given a rest for them).
 */
class RedisReloadWithoutEvalTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final String prefix = "reload:" + UUID.randomUUID() + ":";

	private final String user = "no-eval-" + UUID.randomUUID();

	private RedisClient client;

	@AfterEach
	void close() {
		if (this.client != null) {
			this.client.shutdown();
		}
		redis.command("ACL", "DELUSER", this.user);
	}

	@Test
	void decisionAfterTheScriptIsLoadedAgainShouldBeMadeInRedisHoweverManyMetItsLoss() throws Exception {
		assertThat(redis.command("ACL", "SETUSER", this.user, "on", ">pw", "~" + this.prefix + "*", "+evalsha",
				"+script|load", "+time", "+get", "+psetex")).isEqualTo("+OK");
		this.client = RedisClient.create(RedisURI.builder()
			.withHost("127.0.0.1")
			.withPort(redis.port())
			.withAuthentication(this.user, "pw")
			.build());
		LettuceConnector connector = new LettuceConnector(() -> this.client.connect(ByteArrayCodec.INSTANCE).async());
		ExecutorService threads = Executors.newFixedThreadPool(16);
		try {
			// the README's defaults: 3 failures in a row, 2 seconds
			RedisRateLimiter limiter = new RedisRateLimiter(
					new RateLimitPolicy("w", 1, Duration.ofMinutes(1), 0), connector,
					new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(5), OnFailure.DENY, 3,
							Duration.ofSeconds(2)),
					null, null);
			RedisRateLimiter.prepare(connector).get(10, TimeUnit.SECONDS);
			assertThat(limiter.tryAcquire("first", 1).allowed()).isTrue();
			AtomicInteger keys = new AtomicInteger();
			for (int burst = 0; burst < 10; burst++) {
				assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("+OK");
				CountDownLatch start = new CountDownLatch(1);
				List<Future<Boolean>> decisions = new ArrayList<>();
				for (int i = 0; i < 16; i++) {
					decisions.add(threads.submit(() -> {
						start.await();
						try {
							return limiter.tryAcquire("k" + keys.incrementAndGet(), 1).allowed();
						}
						catch (RateLimitStoreUnavailableException ex) {
							return false;
						}
					}));
				}
				start.countDown();
				int refused = 0;
				for (Future<Boolean> decision : decisions) {
					refused += decision.get(10, TimeUnit.SECONDS) ? 0 : 1;
				}
				await().atMost(Duration.ofSeconds(5))
					.until(() -> redis.command("SCRIPT", "EXISTS", RedisRateLimiter.SCRIPT_SHA).equals(":1"));
				String key = "after" + burst;
				boolean decidedInRedis;
				String why = "";
				try {
					decidedInRedis = limiter.tryAcquire(key, 1).allowed();
				}
				catch (RateLimitStoreUnavailableException ex) {
					decidedInRedis = false;
					why = String.valueOf(ex.getCause());
				}
				assertThat(decidedInRedis)
					.as("burst %d: %d of 16 decisions met the lost script; the load has landed, so the next "
							+ "decision should be Redis's; refused for %s", burst, refused, why)
					.isTrue();
				assertThat(redis.command("EXISTS", this.prefix + "{w:" + key + "}")).isEqualTo(":1");
			}
		}
		finally {
			threads.shutdownNow();
			connector.stop();
		}
	}

}
