package io.zeroclaw.resilience.benchmarks;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@value #KEYS} keys drawn uniformly, requests allowed: a filter keyed by client IP under many clients.
 * <p>
 * Both limiters are bounded at {@value #MAX_KEYS} keys, so every key stays tracked and no eviction runs during the
 * measurement; every key is touched once in set-up, so what is measured is the steady state (look up the key's
 * bucket, decide), not the first-request path. The peer is the usual Bucket4j pattern for per-key limits in one JVM:
 * a bucket per key in a size-bounded Caffeine cache, fetched with {@code cache.get(key, mappingFunction)}.
 * The key choice ({@code ThreadLocalRandom}) costs both sides the same few nanoseconds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(2)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class KeyedRateLimiterBenchmark {

	static final int KEYS = 100_000;

	static final int MAX_KEYS = 2 * KEYS;

	static final int PERMITS_PER_SECOND = 1_000_000_000;

	private String[] keys;

	private LocalRateLimiter zeroclaw;

	private Cache<String, Bucket> bucket4jCaffeine;

	@Setup
	public void setUp() {
		this.keys = keys(KEYS);
		this.zeroclaw = new LocalRateLimiter(new RateLimitPolicy("bench", PERMITS_PER_SECOND, Duration.ofSeconds(1), 0),
				MAX_KEYS);
		this.bucket4jCaffeine = Caffeine.newBuilder().maximumSize(MAX_KEYS).build();
		for (String key : this.keys) {
			this.zeroclaw.tryAcquire(key);
			this.bucket4jCaffeine.get(key, KeyedRateLimiterBenchmark::newBucket).tryConsume(1);
		}
	}

	@Benchmark
	public RateLimitDecision zeroclaw() {
		return this.zeroclaw.tryAcquire(nextKey());
	}

	@Benchmark
	public boolean bucket4jCaffeine() {
		return this.bucket4jCaffeine.get(nextKey(), KeyedRateLimiterBenchmark::newBucket).tryConsume(1);
	}

	private String nextKey() {
		return this.keys[ThreadLocalRandom.current().nextInt(KEYS)];
	}

	static Bucket newBucket(String key) {
		return Bucket.builder()
			.addLimit((limit) -> limit.capacity(PERMITS_PER_SECOND).refillGreedy(PERMITS_PER_SECOND, Duration.ofSeconds(1)))
			.build();
	}

	/** @return {@code count} distinct IPv4-looking keys, as a filter keyed by client address sees them */
	static String[] keys(int count) {
		String[] keys = new String[count];
		for (int i = 0; i < count; i++) {
			keys[i] = "10." + ((i >>> 16) & 0xff) + "." + ((i >>> 8) & 0xff) + "." + (i & 0xff);
		}
		return keys;
	}

}
