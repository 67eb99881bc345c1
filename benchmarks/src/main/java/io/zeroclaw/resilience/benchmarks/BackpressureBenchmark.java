package io.zeroclaw.resilience.benchmarks;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureConfig;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Priority;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Take a slot and give it back, far below the limit: what every admitted unit of work pays.
 * <p>
 * Every limiter allows {@value #LIMIT} at once and two threads hold at most two slots, so nothing is ever refused.
 * concurrency-limits' {@code SimpleLimiter} on a {@code FixedLimit} is acquired and released through its listener
 * ({@code onSuccess}); Resilience4j's semaphore bulkhead with no wait through {@code tryAcquirePermission()} and
 * {@code onComplete()}, the pair its {@code executeSupplier} wraps around a call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(2)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BackpressureBenchmark {

	static final int LIMIT = 1000;

	private BackpressureController zeroclaw;

	private SimpleLimiter<Void> concurrencyLimits;

	private Bulkhead resilience4jBulkhead;

	@Setup
	public void setUp() {
		this.zeroclaw = new BackpressureController(new BackpressureConfig(LIMIT, 0.5, 0.7, 0.85, 0.95));
		this.concurrencyLimits = SimpleLimiter.newBuilder().limit(FixedLimit.of(LIMIT)).build();
		this.resilience4jBulkhead = Bulkhead.of("bench",
				BulkheadConfig.custom().maxConcurrentCalls(LIMIT).maxWaitDuration(Duration.ZERO).build());
	}

	@Benchmark
	public void zeroclaw(Blackhole blackhole) {
		try (Admission admission = this.zeroclaw.admit(Priority.NORMAL)) {
			blackhole.consume(admission);
		}
	}

	@Benchmark
	public void concurrencyLimits(Blackhole blackhole) {
		Optional<Limiter.Listener> listener = this.concurrencyLimits.acquire(null);
		blackhole.consume(listener);
		listener.get().onSuccess();
	}

	@Benchmark
	public void resilience4jBulkhead(Blackhole blackhole) {
		boolean permitted = this.resilience4jBulkhead.tryAcquirePermission();
		blackhole.consume(permitted);
		this.resilience4jBulkhead.onComplete();
	}

}
