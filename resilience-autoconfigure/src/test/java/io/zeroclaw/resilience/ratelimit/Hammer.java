package io.zeroclaw.resilience.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Runs the same work on every thread of a pool at once, released together by a latch, and waits for all of it; a
 * failure on any thread fails the caller.
 */
final class Hammer {

	private Hammer() {
	}

	static void hammer(ExecutorService executor, int threads, IntConsumer work) throws Exception {
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> futures = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int thread = t;
			futures.add(executor.submit(() -> {
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

}
