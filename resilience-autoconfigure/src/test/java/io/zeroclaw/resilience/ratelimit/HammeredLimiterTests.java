package io.zeroclaw.resilience.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import org.junit.jupiter.api.AfterEach;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the limiter tests that hammer from several threads share: a pool of {@value #THREADS} threads, a frozen fake
 * clock that only a test moves, and {@link #hammer(IntConsumer)}, which releases the same work on every thread at once
 * and fails if any thread fails, and {@link #takeConcurrently}, the commonest work to hammer with.
 */
abstract class HammeredLimiterTests {

	protected static final int THREADS = 8;

	protected final ExecutorService executor = Executors.newFixedThreadPool(THREADS);

	protected final FakeNanoClock clock = new FakeNanoClock();

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	protected void hammer(IntConsumer work) throws Exception {
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> futures = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			int thread = t;
			futures.add(this.executor.submit(() -> {
				start.await();
				work.accept(thread);
				return null;
			}));
		}
		start.countDown();
		for (Future<?> future : futures) {
			future.get(50, TimeUnit.SECONDS);
		}
	}

	/**
	 * Has every thread ask {@code limiter} for one permit of {@code key}, {@code callsPerThread} times.
	 * @return how many of those requests were allowed
	 */
	protected long takeConcurrently(RateLimiter limiter, String key, int callsPerThread) throws Exception {
		AtomicLong allowed = new AtomicLong();
		hammer((thread) -> {
			for (int i = 0; i < callsPerThread; i++) {
				if (limiter.tryAcquire(key).allowed()) {
					allowed.incrementAndGet();
				}
			}
		});
		return allowed.get();
	}

}
