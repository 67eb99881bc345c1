package io.zeroclaw.resilience.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
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
 * A closed breaker around a successful call: the cost every provider call pays while all is well.
 * <p>
 * {@code direct} is the bare call; a breaker's overhead is its time minus {@code direct}'s. The mode is average time
 * per call (per thread), so the overheads subtract directly. The peer is Resilience4j's breaker on its defaults from
 * the registry, called with {@code executeSupplier}, as its documentation shows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(2)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class CircuitBreakerBenchmark {

	private String reply;

	/** The protected call: reads a field, as cheap as a call gets, so the breaker's own cost stands out. */
	private Supplier<String> call;

	private CircuitBreaker zeroclaw;

	private io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4j;

	@Setup
	public void setUp() {
		this.reply = "ok";
		this.call = () -> this.reply;
		this.zeroclaw = new CircuitBreaker("bench", new CircuitBreakerConfig(5, Duration.ofSeconds(30), 1));
		this.resilience4j = CircuitBreakerRegistry.ofDefaults().circuitBreaker("bench");
	}

	@Benchmark
	public String direct() {
		return this.call.get();
	}

	@Benchmark
	public String zeroclaw() {
		return this.zeroclaw.execute(this.call);
	}

	@Benchmark
	public String resilience4j() {
		return this.resilience4j.executeSupplier(this.call);
	}

}
