package io.zeroclaw.resilience.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
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
 * One hot key, requests mostly allowed: the decision a rate-limit filter takes for every request of a busy client.
 * <p>
 * Every limiter gets the same quota, {@value #PERMITS_PER_SECOND} permits per second, far above what two threads can
 * take, so every decision is "allowed" and what is measured is the cost of the decision itself. Each peer is used
 * the way its documentation shows: Bucket4j's local bucket (lock-free by default) with {@code tryConsume(1)},
 * Resilience4j's {@code AtomicRateLimiter} (the default implementation) with {@code acquirePermission()} and no wait,
 * Guava's {@code RateLimiter.tryAcquire()}. Each of those answers a bare {@code boolean}; ours answers a full
 * {@code RateLimitDecision} (remaining tokens, retry-after, reset-after) because the filter sends them as headers, so
 * the comparison, if anything, favours the peers.
 * <p>
 * At that quota our limiter splits the key into stripes (it does so for policies of at least 1 000 requests a second,
 * where one shared word would be the bottleneck), and a bucket the threads never drain answers with one prepared
 * decision. {@code zeroclawUnstriped} measures the one-word path that every slower policy takes (the default, 60 a
 * minute plus a burst of 10, among them): 999 a second with a burst no run drains, so its decisions are computed and
 * allowed. The peers' cost does not depend on the quota.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(2)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class RateLimiterBenchmark {

	/** A quota no two threads can exhaust: every decision in the run is "allowed". */
	static final int PERMITS_PER_SECOND = 1_000_000_000;

	static final String HOT_KEY = "203.0.113.7";

	private LocalRateLimiter zeroclaw;

	private LocalRateLimiter zeroclawUnstriped;

	private Bucket bucket4j;

	private io.github.resilience4j.ratelimiter.RateLimiter resilience4j;

	private com.google.common.util.concurrent.RateLimiter guava;

	@Setup
	public void setUp() {
		this.zeroclaw = new LocalRateLimiter(new RateLimitPolicy("bench", PERMITS_PER_SECOND, Duration.ofSeconds(1), 0),
				10_000);
		this.zeroclawUnstriped = new LocalRateLimiter(
				new RateLimitPolicy("bench", 999, Duration.ofSeconds(1), 100_000_000_000L), 10_000);
		this.bucket4j = Bucket.builder()
			.addLimit((limit) -> limit.capacity(PERMITS_PER_SECOND).refillGreedy(PERMITS_PER_SECOND, Duration.ofSeconds(1)))
			.build();
		this.resilience4j = new AtomicRateLimiter("bench", RateLimiterConfig.custom()
			.limitForPeriod(PERMITS_PER_SECOND)
			.limitRefreshPeriod(Duration.ofSeconds(1))
			.timeoutDuration(Duration.ZERO)
			.build());
		this.guava = com.google.common.util.concurrent.RateLimiter.create(PERMITS_PER_SECOND);
	}

	@Benchmark
	public RateLimitDecision zeroclaw() {
		return this.zeroclaw.tryAcquire(HOT_KEY);
	}

	@Benchmark
	public RateLimitDecision zeroclawUnstriped() {
		return this.zeroclawUnstriped.tryAcquire(HOT_KEY);
	}

	@Benchmark
	public boolean bucket4j() {
		return this.bucket4j.tryConsume(1);
	}

	@Benchmark
	public boolean resilience4j() {
		return this.resilience4j.acquirePermission();
	}

	@Benchmark
	public boolean guava() {
		return this.guava.tryAcquire();
	}

}
