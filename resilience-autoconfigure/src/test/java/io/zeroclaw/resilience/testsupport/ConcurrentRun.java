package io.zeroclaw.resilience.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What every concurrency test of the primitives does: start the same work on several threads, release them all at
 * once so that they race, and wait for every one of them, failing if any failed or took too long.
 */
public final class ConcurrentRun {

	private ConcurrentRun() {
	}

	/**
	 * Runs {@code body} on {@code threads} tasks of {@code pool}, released together.
	 * @param pool the pool to run on; it needs at least {@code threads} threads, or the tasks do not race
	 * @param threads how many tasks to start; each gets its index, from 0
	 * @param timeout how long to wait for each task once all are released
	 * @param body the work of one task
	 * @throws java.util.concurrent.ExecutionException when a task threw; the cause is what it threw
	 * @throws java.util.concurrent.TimeoutException when a task did not end in time
	 */
	public static void together(ExecutorService pool, int threads, Duration timeout, Body body) throws Exception {
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> futures = new ArrayList<>(threads);
		for (int t = 0; t < threads; t++) {
			int thread = t;
			futures.add(pool.submit(() -> {
				start.await();
				body.run(thread);
				return null;
			}));
		}
		start.countDown();
		for (Future<?> future : futures) {
			future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/** The work of one task. */
	@FunctionalInterface
	public interface Body {

		/**
		 * @param thread the task's index, from 0
		 * @throws Exception anything; it fails the run
		 */
		void run(int thread) throws Exception;

	}

}
