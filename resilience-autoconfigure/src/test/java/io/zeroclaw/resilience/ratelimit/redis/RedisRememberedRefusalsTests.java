package io.zeroclaw.resilience.ratelimit.redis;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.KeyDigest;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client hammering a spent bucket is answered from the limiter's memory of Redis's refusal, for at most a second,
 * and only while Redis would refuse it too: the quota stays exact and a key deleted by an operator is seen again
 * within that second.
 */
class RedisRememberedRefusalsTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final Pattern EVALSHA_CALLS = Pattern.compile("cmdstat_evalsha:calls=(\\d+)");

	private static final List<RedisClient> clients = new CopyOnWriteArrayList<>();

	private final String prefix = "refusals:" + UUID.randomUUID() + ":";

	private final AtomicLong clock = new AtomicLong();

	@BeforeEach
	void loadScriptAndResetStats() {
		// loaded, so that no decision's EVALSHA is answered NOSCRIPT and sent again
		redis.command("SCRIPT", "LOAD", RedisRateLimiter.SCRIPT);
		redis.command("CONFIG", "RESETSTAT");
	}

	@AfterAll
	static void shutdown() {
		clients.forEach(RedisClient::shutdown);
	}

	@Test
	void floodOfRefusedRequestsShouldAskRedisOnce() {
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 1, Duration.ofMinutes(10), 0), this.clock::get);
		assertThat(limiter.tryAcquire("flooder").allowed()).isTrue();
		for (int i = 0; i < 1_000; i++) {
			assertThat(limiter.tryAcquire("flooder").allowed()).isFalse();
		}
		// the allowance and the first refusal; the 999 others were answered from memory
		assertThat(evalshaCalls()).isEqualTo(2);
		assertThat(limiter.rememberedKeys()).containsExactly("flooder");
		assertThat(limiter.tryAcquire("someone-else").allowed()).isTrue();
		assertThat(evalshaCalls()).isEqualTo(3);
	}

	@Test
	void refusalFromMemoryShouldTellWhatRedisTells() {
		RateLimitPolicy policy = new RateLimitPolicy("api", 2, Duration.ofMinutes(1), 1);
		RedisRateLimiter remembering = limiter(policy, System::nanoTime);
		RedisRateLimiter other = limiter(policy, System::nanoTime);
		for (int i = 0; i < 3; i++) {
			assertThat(remembering.tryAcquire("client").allowed()).isTrue();
		}
		RateLimitDecision byRedis = remembering.tryAcquire("client");
		RateLimitDecision fromMemory = remembering.tryAcquire("client", 2);
		RateLimitDecision byRedisAgain = other.tryAcquire("client", 2);
		assertThat(byRedis.allowed()).isFalse();
		assertThat(fromMemory.allowed()).isFalse();
		assertThat(evalshaCalls()).isEqualTo(5);
		assertThat(fromMemory.limit()).isEqualTo(byRedisAgain.limit());
		assertThat(fromMemory.remaining()).isEqualTo(byRedisAgain.remaining()).isZero();
		// the memory's time is Redis's, less the time since; at most a round trip early
		assertThat(fromMemory.retryAfter()).isCloseTo(byRedisAgain.retryAfter(), Duration.ofMillis(500))
			.isGreaterThan(Duration.ofSeconds(50));
		assertThat(fromMemory.resetAfter()).isCloseTo(byRedisAgain.resetAfter(), Duration.ofMillis(500));
	}

	@Test
	void deletedKeyShouldBeSeenOnceTheRefusalIsASecondOld() {
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 1, Duration.ofMinutes(10), 0), this.clock::get);
		limiter.tryAcquire("client");
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		// an operator lets the client go
		redis.command("DEL", this.prefix + "{api:client}");
		this.clock.addAndGet(RememberedRefusals.MEMORY_NANOS - 1);
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		this.clock.incrementAndGet();
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		assertThat(limiter.rememberedKeys()).isEmpty();
	}

	@Test
	void refusalShouldBeAnsweredFromMemoryOnlyUntilATokenHasRefilled() {
		AtomicLong offsetMicros = new AtomicLong();
		// a token every 500 ms, so that one refills within the second a refusal is remembered at most
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 2, Duration.ofSeconds(1), 0), this.clock::get,
				offsetMicros::get);
		// the connection opened first: what follows takes Redis's clock (which runs) milliseconds at most
		limiter.tryAcquire("warm-up");
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		// Redis's clock and the memory's move together in this test
		offsetMicros.addAndGet(400_000);
		long calls = evalshaCalls();
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		assertThat(evalshaCalls()).isEqualTo(calls);
		offsetMicros.addAndGet(200_000);
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		assertThat(evalshaCalls()).isEqualTo(calls + 1);
	}

	@Test
	void policyThatNeverRefillsShouldNotBeRemembered() {
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("once", 0, Duration.ofMinutes(1), 1), this.clock::get);
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		assertThat(limiter.rememberedKeys()).isEmpty();
		// its refusal would last until a key is deleted: the deletion is seen at once
		redis.command("DEL", this.prefix + "{once:client}:n");
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
	}

	@Test
	void longClientKeyShouldBeRememberedByItsDigestAsRedisKeepsIt() {
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 1, Duration.ofMinutes(10), 0), this.clock::get);
		// a resolver keying by a header the client sends: as long as the client likes
		String key = "tenant:" + "x".repeat(100_000);
		assertThat(limiter.tryAcquire(key).allowed()).isTrue();
		assertThat(limiter.tryAcquire(key).allowed()).isFalse();
		assertThat(limiter.rememberedKeys()).containsExactly(KeyDigest.of(key));
		assertThat(limiter.tryAcquire(key).allowed()).isFalse();
		assertThat(evalshaCalls()).isEqualTo(2);
	}

	@ParameterizedTest
	@ValueSource(strings = { "k", "sha256:abc", "a\uD800", "\uDC00a", "\u00e9\u4e2d", "\uD83D\uDE00", "x\uD83D\uDE00" })
	void clientShouldKeepTheRedisKeyItHadBeforeRefusalsWereRemembered(String seed) {
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 1, Duration.ofMinutes(10), 0), this.clock::get);
		RedisClient checker = RedisClient.create(redis.uri());
		clients.add(checker);
		RedisCommands<byte[], byte[]> commands = checker.connect(ByteArrayCodec.INSTANCE).sync();
		// the seed, and repeated to 64 and 65 UTF-16 units (a surrogate pair may be cut): 64 is the longest kept
		for (String key : List.of(seed, seed.repeat(65).substring(0, 64), seed.repeat(65).substring(0, 65))) {
			assertThat(limiter.tryAcquire(key).allowed()).isTrue();
			assertThat(limiter.tryAcquire(key).allowed()).isFalse();
			// the Redis key as RedisRateLimiter.redisKey wrote it before fb16969
			byte[] client = KeyDigest.mustDigestAsUtf8(key, 64) ? KeyDigest.of(key).getBytes(StandardCharsets.US_ASCII)
					: key.getBytes(StandardCharsets.UTF_8);
			byte[] expected = concat((this.prefix + "{api:").getBytes(StandardCharsets.UTF_8), client,
					new byte[] { '}' });
			List<byte[]> keys = commands.scan(ScanArgs.Builder.matches(this.prefix + "*").limit(10_000)).getKeys();
			assertThat(keys).as(key).hasSize(1);
			assertThat(keys.get(0)).as(key).isEqualTo(expected);
			assertThat(limiter.rememberedKeys()).as(key).contains(new String(client, StandardCharsets.UTF_8));
			commands.del(expected);
		}
	}

	private static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

	@Test
	void refusalFromMemoryInItsLastMicrosecondShouldStillTellNoTokenLeft() {
		// capacity 1 and a token each 500 ms: the memory holds a refusal until the bucket is full again
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 1, Duration.ofMillis(500), 0), this.clock::get);
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		RateLimitDecision byRedis = limiter.tryAcquire("client");
		assertThat(byRedis.allowed()).isFalse();
		this.clock.set(byRedis.resetAfter().toNanos() - 1);
		RateLimitDecision fromMemory = limiter.tryAcquire("client");
		assertThat(fromMemory.allowed()).isFalse();
		// as Redis tells every refusal: no token left, and a wait
		assertThat(fromMemory.remaining()).isZero();
		assertThat(fromMemory.retryAfter()).isPositive();
		assertThat(fromMemory.resetAfter()).isPositive();
	}

	@Test
	void refusalShouldBeRememberedAndForgottenAcrossTheWrapOfTheNanosecondClock() {
		this.clock.set(Long.MAX_VALUE - 100_000_000L);
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 1, Duration.ofDays(1), 0), this.clock::get);
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		RateLimitDecision byRedis = limiter.tryAcquire("client");
		assertThat(byRedis.allowed()).isFalse();
		this.clock.addAndGet(500_000_000L);
		RateLimitDecision fromMemory = limiter.tryAcquire("client");
		assertThat(fromMemory.allowed()).isFalse();
		assertThat(fromMemory.retryAfter()).isCloseTo(byRedis.retryAfter().minusMillis(500), Duration.ofMillis(50));
		assertThat(evalshaCalls()).isEqualTo(2);
		this.clock.addAndGet(500_000_000L);
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		assertThat(evalshaCalls()).isEqualTo(3);
	}

	@Test
	void refusalDecidedByEvalAfterNoScriptShouldBeRemembered() {
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 1, Duration.ofMinutes(1), 0), this.clock::get);
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		redis.command("SCRIPT", "FLUSH");
		redis.command("CONFIG", "RESETSTAT");
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		assertThat(redis.command("INFO", "commandstats")).contains("cmdstat_eval:calls=1,")
			.contains("cmdstat_evalsha:calls=1,");
		assertThat(limiter.rememberedKeys()).containsExactly("client");
	}

	@Test
	void refusalOfSeveralPermitsWhileOneIsLeftShouldNotBeRemembered() {
		RedisRateLimiter limiter = limiter(new RateLimitPolicy("api", 2, Duration.ofMinutes(1), 1), this.clock::get);
		assertThat(limiter.tryAcquire("client", 2).allowed()).isTrue();
		assertThat(limiter.tryAcquire("client", 2).allowed()).isFalse();
		RateLimitDecision tooMany = limiter.tryAcquire("client", 4);
		assertThat(tooMany.allowed()).isFalse();
		assertThat(tooMany.retryAfter()).isEqualTo(RedisRateLimiter.NEVER);
		assertThat(limiter.rememberedKeys()).isEmpty();
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		assertThat(limiter.tryAcquire("client", 4).allowed()).isFalse();
		assertThat(limiter.rememberedKeys()).containsExactly("client");
		RateLimitDecision fromMemory = limiter.tryAcquire("client", 4);
		assertThat(fromMemory.retryAfter()).isEqualTo(RedisRateLimiter.NEVER);
		assertThat(fromMemory.remaining()).isZero();
	}

	@Test
	void hammeredKeyShouldStillGetEachTokenAsItRefills() throws Exception {
		// 20 tokens a second, shared by two instances of four threads each, for about two seconds
		RateLimitPolicy policy = new RateLimitPolicy("api", 20, Duration.ofSeconds(1), 0);
		RedisRateLimiter[] instances = { limiter(policy, System::nanoTime), limiter(policy, System::nanoTime) };
		AtomicLong allowed = new AtomicLong();
		AtomicLong refused = new AtomicLong();
		ExecutorService executor = Executors.newFixedThreadPool(8);
		long start = System.nanoTime();
		long end = start + TimeUnit.SECONDS.toNanos(2);
		try {
			ConcurrentRun.together(executor, 8, Duration.ofSeconds(30), (thread) -> {
				while (System.nanoTime() - end < 0) {
					if (instances[thread % 2].tryAcquire("hot").allowed()) {
						allowed.incrementAndGet();
					}
					else {
						refused.incrementAndGet();
					}
				}
			});
		}
		finally {
			executor.shutdownNow();
		}
		long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		// the full bucket of 20, then one token each 50 ms; never more, and no token left lying while refusals are
		// answered from memory (a memory that outlived the refill would let through about one a second)
		assertThat(allowed.get()).isLessThanOrEqualTo(20 + elapsedMillis / 50 + 1)
			.isGreaterThanOrEqualTo(20 + elapsedMillis / 50 * 3 / 4);
		assertThat(evalshaCalls()).isLessThan(allowed.get() + refused.get());
	}

	private long evalshaCalls() {
		Matcher matcher = EVALSHA_CALLS.matcher(redis.command("INFO", "commandstats"));
		return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
	}

	private RedisRateLimiter limiter(RateLimitPolicy policy, LongSupplier nanoClock) {
		return limiter(policy, nanoClock, null);
	}

	private RedisRateLimiter limiter(RateLimitPolicy policy, LongSupplier nanoClock, LongSupplier offsetMicros) {
		RedisClient client = RedisClient.create(redis.uri());
		clients.add(client);
		var commands = client.connect(ByteArrayCodec.INSTANCE).async();
		LettuceConnector connector = new LettuceConnector(() -> commands);
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(10), OnFailure.DENY);
		return new RedisRateLimiter(policy, connector, config, null, null, nanoClock, offsetMicros);
	}

}
