package io.zeroclaw.resilience.benchmarks;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * A whole {@code @Async} call through Spring's proxy, with and without {@code @Prioritized}: what the starter adds to
 * the path {@link BackpressureHandOffBenchmark} measures the limiters' part of. {@code plain} calls an {@code @Async}
 * method returning a {@code CompletableFuture}; {@code zeroclaw} calls the same method of a bean whose method is also
 * {@code @Prioritized}, so each call is admitted on the caller's thread and released on the worker's, through the
 * starter's interceptors and per-task guard. Both beans run on one executor of one thread, fed by two callers that
 * each submit {@value #BATCH} calls before waiting for them: the worker is then kept busy, and the score, per call, is
 * what the worker can run. With a core for each of the three threads that is the starter's work on the worker's side;
 * with fewer (2 on the machine of {@code benchmarks/README.md}) the callers' share takes CPU from the worker too, so
 * the score holds the starter's work on both sides, and any other load on the machine moves it: quote it from an
 * otherwise idle machine, with its core count. With one caller the score measures how often the worker parks and is
 * woken instead (a slower caller can even make more calls go through), so it says little about cost. Nothing is ever shed (at most {@code 2 × }{@value #BATCH} open,
 * of 1 000).
 * <p>
 * The context is a plain annotation context with the starter's backpressure auto-configuration imported, as
 * {@code zeroclaw.resilience.backpressure.enabled=true} gives an application, and an executor of its own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(2)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class AsyncPathBenchmark {

	static final int BATCH = 64;

	private AnnotationConfigApplicationContext context;

	private PlainWorker plain;

	private PrioritizedWorker prioritized;

	private BackpressureController controller;

	@Setup
	public void setUp() {
		this.context = new AnnotationConfigApplicationContext();
		this.context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("benchmark", Map.of("zeroclaw.resilience.backpressure.enabled", "true")));
		this.context.register(AsyncConfiguration.class);
		this.context.refresh();
		this.plain = this.context.getBean(PlainWorker.class);
		this.prioritized = this.context.getBean(PrioritizedWorker.class);
		this.controller = this.context.getBean(BackpressureController.class);
	}

	@TearDown
	public void tearDown() {
		int depth = this.controller.depth();
		this.context.close();
		if (depth != 0) {
			throw new IllegalStateException(depth + " admissions were still open after the run");
		}
	}

	@Benchmark
	@OperationsPerInvocation(BATCH)
	public int plain() {
		CompletableFuture<?>[] calls = new CompletableFuture<?>[BATCH];
		for (int i = 0; i < BATCH; i++) {
			calls[i] = this.plain.work(i);
		}
		return join(calls);
	}

	@Benchmark
	@OperationsPerInvocation(BATCH)
	public int zeroclaw() {
		CompletableFuture<?>[] calls = new CompletableFuture<?>[BATCH];
		for (int i = 0; i < BATCH; i++) {
			calls[i] = this.prioritized.work(i);
		}
		return join(calls);
	}

	private static int join(CompletableFuture<?>[] calls) {
		int sum = 0;
		for (CompletableFuture<?> call : calls) {
			sum += (Integer) call.join();
		}
		return sum;
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	@ImportAutoConfiguration({ ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class })
	static class AsyncConfiguration {

		@Bean
		ThreadPoolTaskExecutor taskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setMaxPoolSize(1);
			executor.setThreadNamePrefix("async-path-");
			return executor;
		}

		@Bean
		PlainWorker plainWorker() {
			return new PlainWorker();
		}

		@Bean
		PrioritizedWorker prioritizedWorker() {
			return new PrioritizedWorker();
		}

	}

	public static class PlainWorker {

		@Async
		public CompletableFuture<Integer> work(int task) {
			return CompletableFuture.completedFuture(task);
		}

	}

	public static class PrioritizedWorker {

		@Async
		@Prioritized(Priority.NORMAL)
		public CompletableFuture<Integer> work(int task) {
			return CompletableFuture.completedFuture(task);
		}

	}

}
