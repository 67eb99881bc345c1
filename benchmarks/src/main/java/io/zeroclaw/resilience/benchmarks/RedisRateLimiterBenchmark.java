package io.zeroclaw.resilience.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.redis.LettuceConnector;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The shared-store decision against a real Redis: {@value #KEYS} keys drawn uniformly, requests allowed.
 * <p>
 * Redis is the one on {@code localhost}, port {@code -Dredis.port} (default 6379); start a throw-away one with
 * {@code redis-server --port 6390 --save "" --appendonly no}. Every key this benchmark writes starts with
 * {@value #KEY_PREFIX} and expires by itself; nothing else in that Redis is touched.
 * <p>
 * The peer is Bucket4j's Lettuce proxy manager (compare-and-swap: a read, then a conditional write) built as its
 * documentation shows, with the expiration strategy it recommends. Its bucket proxies are built once per key in
 * set-up rather than per request, which spares it an allocation a filter would pay. The keys spread the load over
 * {@value #KEYS} buckets so neither side measures contention on one Redis key.
 * <p>
 * Both sides' keys stay in Redis throughout, so every decision reads and writes a stored bucket. The peer's do by its
 * expiration strategy; ours expire when their bucket is full again, which at this quota is a microsecond after a
 * decision, long before the key's next turn, and a decision on a missing key skips reading the stored value. So each
 * of our keys starts {@value #DEBIT} tokens in debt, under a name of its own run: a tenth of the bucket, and 100 s of
 * refill, since the Redis store keeps time in whole microseconds and so rounds this policy's emission interval up to
 * 1 µs (a nominal 10^9 a second would refill it in 0.1 s). That outlasts a run of the classes' defaults or of
 * {@code paired.sh}; the tear-down deletes the run's keys and fails the run if any had expired meanwhile (a run of
 * over about 100 s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(2)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class RedisRateLimiterBenchmark {

	static final int KEYS = 1_000;

	static final String KEY_PREFIX = "zeroclaw-bench:";

	static final int PERMITS_PER_SECOND = 1_000_000_000;

	static final long DEBIT = 100_000_000L;

	private RedisClient zeroclawClient;

	private RedisRateLimiter zeroclaw;

	private String[] zeroclawKeys;

	private RedisClient bucket4jClient;

	private BucketProxy[] bucket4jBuckets;

	@Setup(Level.Trial)
	public void setUp() throws InterruptedException {
		RedisURI uri = redisUri();
		this.zeroclawClient = RedisClient.create(uri);
		// DENY rather than a fallback: a failed or slow Redis call must show up as an error, not as a fast local answer.
		this.zeroclaw = new RedisRateLimiter(new RateLimitPolicy("bench", PERMITS_PER_SECOND, Duration.ofSeconds(1), 0),
				new LettuceConnector(() -> this.zeroclawClient.connect(ByteArrayCodec.INSTANCE).async()),
				new RedisRateLimiterConfig(KEY_PREFIX + "zeroclaw:", Duration.ofSeconds(1), OnFailure.DENY), null, null);
		awaitConnected(this.zeroclaw);
		this.zeroclawKeys = new String[KEYS];
		String run = Long.toString(System.currentTimeMillis(), 36);
		for (int i = 0; i < KEYS; i++) {
			this.zeroclawKeys[i] = "client-" + run + "-" + i;
			if (!this.zeroclaw.tryAcquire(this.zeroclawKeys[i], DEBIT).allowed()) {
				throw new IllegalStateException("the set-up's debit was refused");
			}
		}
		this.bucket4jClient = RedisClient.create(uri);
		LettuceBasedProxyManager<byte[]> proxyManager = Bucket4jLettuce.casBasedBuilder(this.bucket4jClient)
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
			.build();
		BucketConfiguration configuration = BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(PERMITS_PER_SECOND).refillGreedy(PERMITS_PER_SECOND, Duration.ofSeconds(1)))
			.build();
		this.bucket4jBuckets = new BucketProxy[KEYS];
		for (int i = 0; i < KEYS; i++) {
			byte[] key = (KEY_PREFIX + "bucket4j:" + i).getBytes(StandardCharsets.UTF_8);
			this.bucket4jBuckets[i] = proxyManager.builder().build(key, () -> configuration);
			this.bucket4jBuckets[i].tryConsume(1);
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		try (StatefulRedisConnection<String, String> connection = this.zeroclawClient.connect()) {
			String[] redisKeys = new String[KEYS];
			for (int i = 0; i < KEYS; i++) {
				// the store's key: <prefix>{<policy>:<client key>}
				redisKeys[i] = KEY_PREFIX + "zeroclaw:{bench:" + this.zeroclawKeys[i] + "}";
			}
			long deleted = connection.sync().del(redisKeys);
			if (deleted != KEYS) {
				throw new IllegalStateException((KEYS - deleted) + " of our " + KEYS + " keys expired during the run: "
						+ "their decisions read no stored bucket; keep a run under 100 s");
			}
		}
		finally {
			this.zeroclawClient.shutdown();
			this.bucket4jClient.shutdown();
		}
	}

	@Benchmark
	public RateLimitDecision zeroclaw() {
		return this.zeroclaw.tryAcquire(this.zeroclawKeys[ThreadLocalRandom.current().nextInt(KEYS)]);
	}

	@Benchmark
	public boolean bucket4jLettuce() {
		return this.bucket4jBuckets[ThreadLocalRandom.current().nextInt(KEYS)].tryConsume(1);
	}

	/**
	 * The limiter opens its connection lazily and off the caller's thread, and a decision waits at most its timeout:
	 * on a busy machine the very first decisions may time out while Lettuce starts. Wait for the first answer here so
	 * that the measurement starts on an open connection.
	 */
	private static void awaitConnected(RedisRateLimiter limiter) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		for (;;) {
			try {
				limiter.tryAcquire("warm-up");
				return;
			}
			catch (RateLimitStoreUnavailableException ex) {
				if (System.nanoTime() - deadline > 0) {
					throw new IllegalStateException("Redis on " + redisUri() + " did not answer in 30 s", ex);
				}
				Thread.sleep(100);
			}
		}
	}

	static RedisURI redisUri() {
		return RedisURI.create("localhost", Integer.getInteger("redis.port", 6379));
	}

}
