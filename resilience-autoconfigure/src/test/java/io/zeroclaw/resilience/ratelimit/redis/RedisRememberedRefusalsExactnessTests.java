package io.zeroclaw.resilience.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.CopyArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Instances hammering one key, each refusal checked at once against what Redis would answer: a refusal answered from
 * the memory of Redis's refusals is never one that Redis would have allowed, whatever the instances' quotas.
 */
class RedisRememberedRefusalsExactnessTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final List<RedisClient> clients = new CopyOnWriteArrayList<>();

	private final String prefix = "exactness:" + UUID.randomUUID() + ":";

	@AfterAll
	static void shutdown() {
		clients.forEach(RedisClient::shutdown);
	}

	@Test
	void refusalsShouldBeRedisOwnWhileInstancesWithDifferentQuotasHammerOneKey() throws Exception {
		// a rolling change: 20 a second on two instances, 40 a second with a burst of 20 on the two others
		RateLimitPolicy before = new RateLimitPolicy("api", 20, Duration.ofSeconds(1), 0);
		RateLimitPolicy after = new RateLimitPolicy("api", 40, Duration.ofSeconds(1), 20);
		assertRefusalsAreRedisOwn(new RateLimitPolicy[] { before, after, before, after }, 3);
	}

	@Test
	void refusalsShouldBeRedisOwnForAPolicyOfAFewHundredMicroseconds() throws Exception {
		// a token each 334 µs (1.000001 ms / 3, rounded up to whole microseconds)
		RateLimitPolicy fast = new RateLimitPolicy("fast", 3, Duration.ofNanos(1_000_001), 0);
		assertRefusalsAreRedisOwn(new RateLimitPolicy[] { fast, fast, fast }, 2);
	}

	private void assertRefusalsAreRedisOwn(RateLimitPolicy[] policies, int seconds) throws Exception {
		RedisRateLimiter[] limiters = new RedisRateLimiter[policies.length];
		for (int i = 0; i < policies.length; i++) {
			limiters[i] = limiter(policies[i]);
			limiters[i].tryAcquire("warm-up");
		}
		RedisClient checker = RedisClient.create(redis.uri());
		clients.add(checker);
		AtomicLong refusals = new AtomicLong();
		AtomicLong wrong = new AtomicLong();
		ExecutorService executor = Executors.newFixedThreadPool(policies.length);
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		try {
			ConcurrentRun.together(executor, policies.length, Duration.ofSeconds(60), (thread) -> {
				RedisCommands<byte[], byte[]> check = checker.connect(ByteArrayCodec.INSTANCE).sync();
				RedisRateLimiter limiter = limiters[thread];
				byte[] key = limiter.redisKey("hot");
				String copyName = new String(key, StandardCharsets.UTF_8) + ":check";
				byte[][] copy = { copyName.getBytes(StandardCharsets.UTF_8) };
				long interval = intervalMicros(policies[thread]);
				long tolerance = interval * policies[thread].capacity();
				byte[][] args = { ascii(interval), ascii(tolerance), ascii(0) };
				while (System.nanoTime() - end < 0) {
					long asked = System.nanoTime();
					if (limiter.tryAcquire("hot").allowed()) {
						continue;
					}
					refusals.incrementAndGet();
					// the store's own script, run on a copy of the bucket in one transaction: what Redis would answer
					check.multi();
					check.copy(key, copy[0], CopyArgs.Builder.replace(true));
					check.eval(RedisRateLimiter.SCRIPT_BYTES, ScriptOutputType.INTEGER, copy, args);
					check.del(copy[0]);
					long reply = check.exec().<Long>get(1);
					// allowed, one permit since (tolerance - reply) µs at least: since before the refusal was asked?
					if (reply > 0 && (tolerance - reply) * 1000 > System.nanoTime() - asked) {
						wrong.incrementAndGet();
					}
				}
			});
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(refusals.get()).isPositive();
		assertThat(wrong.get()).as("refusals Redis would not have made, of %d", refusals.get()).isZero();
	}

	private static long intervalMicros(RateLimitPolicy policy) {
		long windowMicros = (policy.window().toNanos() + 999) / 1000;
		return Math.max(1, -Math.floorDiv(-windowMicros, policy.requestsPerWindow()));
	}

	private static byte[] ascii(long value) {
		return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
	}

	private RedisRateLimiter limiter(RateLimitPolicy policy) {
		RedisClient client = RedisClient.create(redis.uri());
		clients.add(client);
		var commands = client.connect(ByteArrayCodec.INSTANCE).async();
		LettuceConnector connector = new LettuceConnector(() -> commands);
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(10), OnFailure.DENY);
		return new RedisRateLimiter(policy, connector, config, null, null, System::nanoTime, null);
	}

}
