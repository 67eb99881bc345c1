package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
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
		ConcurrentRun.together(this.executor, THREADS, Duration.ofSeconds(50), work::accept);
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
