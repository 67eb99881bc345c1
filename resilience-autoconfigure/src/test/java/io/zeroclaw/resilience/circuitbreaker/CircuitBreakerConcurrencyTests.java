package io.zeroclaw.resilience.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerConcurrencyTests {

	private static final int THREADS = 8;

	private static final int ROUNDS = 50;

	private static final int PROBES = 3;

	private static final Duration RECOVERY = Duration.ofSeconds(1);

	@Test
	@Timeout(value = 60, unit = TimeUnit.SECONDS)
	void concurrentCallersInHalfOpenShouldNeverRunMoreThanTheMaximumProbes() throws Exception {
		AtomicLong clock = new AtomicLong();
		CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(1, RECOVERY, PROBES),
				clock::get);
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		try {
			for (int round = 0; round < ROUNDS; round++) {
				breaker.transitionToOpen();
				clock.addAndGet(RECOVERY.toNanos());
				AtomicInteger running = new AtomicInteger();
				AtomicInteger mostRunning = new AtomicInteger();
				AtomicInteger admitted = new AtomicInteger();
				AtomicInteger rejected = new AtomicInteger();
				CountDownLatch attempted = new CountDownLatch(THREADS);
				ConcurrentRun.together(pool, THREADS, Duration.ofSeconds(20), (thread) -> {
					try {
						breaker.execute(() -> {
							admitted.incrementAndGet();
							mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
							attempted.countDown();
							try {
								// hold the probe until every caller has tried, so that probes overlap
								attempted.await(10, TimeUnit.SECONDS);
							}
							catch (InterruptedException ex) {
								Thread.currentThread().interrupt();
							}
							running.decrementAndGet();
							return "ok";
						});
					}
					catch (CircuitOpenException ex) {
						rejected.incrementAndGet();
						attempted.countDown();
					}
				});
				assertThat(mostRunning.get()).isLessThanOrEqualTo(PROBES);
				assertThat(admitted.get()).isEqualTo(PROBES);
				assertThat(rejected.get()).isEqualTo(THREADS - PROBES);
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	@Timeout(value = 60, unit = TimeUnit.SECONDS)
	void concurrentFailuresShouldOpenTheBreakerExactlyOnce() throws Exception {
		AtomicLong clock = new AtomicLong();
		CircuitBreaker breaker = new CircuitBreaker("upstream", new CircuitBreakerConfig(5, RECOVERY, 1),
				clock::get);
		AtomicInteger opened = new AtomicInteger();
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				if (to == CircuitState.OPEN) {
					opened.incrementAndGet();
				}
			}

		});
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		try {
			ConcurrentRun.together(pool, THREADS, Duration.ofSeconds(20), (thread) -> {
				for (int i = 0; i < 1000; i++) {
					try {
						breaker.execute(() -> {
							throw new IllegalStateException("down");
						});
					}
					catch (IllegalStateException | CircuitOpenException ex) {
						// expected: failures until it opens, refusals after
					}
				}
			});
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(opened).hasValue(1);
	}

}
