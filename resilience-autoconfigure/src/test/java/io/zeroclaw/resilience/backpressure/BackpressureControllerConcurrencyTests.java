package io.zeroclaw.resilience.backpressure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hammers one controller from several threads and checks that admission never over-admits and that every release is
 * counted exactly once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackpressureControllerConcurrencyTests {

	private static final int THREADS = 8;

	private static final int ITERATIONS = 50_000;

	@Test
	void contendedAdmissionsShouldNeverTakeTheDepthAboveOne() throws Exception {
		BackpressureController controller = new BackpressureController(new BackpressureConfig(1, 1, 1, 1, 1));
		AtomicInteger maxObserved = new AtomicInteger();
		AtomicLong admitted = new AtomicLong();
		AtomicLong shed = new AtomicLong();
		runOnThreads((thread) -> {
			Priority priority = Priority.values()[1 + thread % 4];
			for (int i = 0; i < ITERATIONS; i++) {
				try (Admission admission = controller.admit(priority)) {
					admitted.incrementAndGet();
					maxObserved.accumulateAndGet(controller.depth(), Math::max);
				}
				catch (LoadShedException ex) {
					shed.incrementAndGet();
				}
			}
		});
		assertThat(maxObserved.get()).isEqualTo(1);
		assertThat(admitted.get()).isPositive();
		assertThat(shed.get()).isPositive();
		assertThat(admitted.get() + shed.get()).isEqualTo((long) THREADS * ITERATIONS);
		assertThat(controller.depth()).isZero();
	}

	@Test
	void contendedAdmissionsShouldRespectEachPriorityLimit() throws Exception {
		BackpressureController controller = new BackpressureController(new BackpressureConfig(10, 0.5, 0.7, 0.85, 0.95));
		AtomicInteger maxObserved = new AtomicInteger();
		runOnThreads((thread) -> {
			Priority priority = Priority.values()[1 + thread % 4];
			int limit = controller.limit(priority);
			List<Admission> held = new ArrayList<>();
			for (int i = 0; i < ITERATIONS; i++) {
				try {
					held.add(controller.admit(priority));
					int depth = controller.depth();
					maxObserved.accumulateAndGet(depth, Math::max);
					if (depth > 10) {
						throw new AssertionError("depth " + depth + " above the maximum after admitting " + priority
								+ " (limit " + limit + ")");
					}
				}
				catch (LoadShedException ex) {
					assertThat(ex.depth()).isGreaterThanOrEqualTo(limit);
				}
				if (held.size() > 2 || (i % 3 == 0 && !held.isEmpty())) {
					held.remove(0).close();
				}
			}
			held.forEach(Admission::close);
		});
		assertThat(maxObserved.get()).isBetween(1, 10);
		assertThat(controller.depth()).isZero();
	}

	@Test
	void admissionsHandedToOtherThreadsShouldEachReleaseOnceHoweverOftenClosed() throws Exception {
		BackpressureController controller = new BackpressureController(BackpressureConfig.defaults());
		ExecutorService workers = Executors.newFixedThreadPool(THREADS);
		try {
			runOnThreads((thread) -> {
				for (int i = 0; i < ITERATIONS / 10; i++) {
					Admission admission = controller.admit(Priority.CRITICAL);
					// the worker closes twice; the submitting thread closes again once the worker is done
					workers.submit(() -> {
						admission.close();
						admission.close();
					}).get(10, TimeUnit.SECONDS);
					admission.close();
				}
			});
		}
		finally {
			workers.shutdownNow();
		}
		assertThat(controller.depth()).isZero();
	}

	private static void runOnThreads(ThreadBody body) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(THREADS);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				int thread = t;
				futures.add(executor.submit(() -> {
					start.await();
					body.run(thread);
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(50, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

	@FunctionalInterface
	private interface ThreadBody {

		void run(int thread) throws Exception;

	}

}
