package io.zeroclaw.resilience.backpressure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Threads closing the last admissions at once on one shared pool: their compare-and-sets on the pool collide, and the
 * loser gives its slot back to the shared count instead. Whichever close takes the depth to zero, a drain waiting for
 * it must wake at once, not at the end of its timeout.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackpressureControllerDrainWakeUpTests {

	private static final int CLOSERS = 2;

	private static final int PER_CLOSER = 8;

	private static final int ROUNDS = 3_000;

	/** Far longer than a woken waiter takes, far shorter than its own timeout. */
	private static final Duration WAKE_UP = Duration.ofSeconds(2);

	private final ExecutorService threads = Executors.newFixedThreadPool(CLOSERS + 1);

	@AfterEach
	void tearDown() {
		this.threads.shutdownNow();
	}

	@Test
	void aDrainShouldWakeWhenTheLastClosesCollideOnASharedPool() throws Exception {
		// rounds of: admissions handed to two threads, a drain waiting, and the two threads racing each other to
		// close their last admission
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 1);
		CyclicBarrier startWaiting = new CyclicBarrier(2);
		CyclicBarrier startClosing = new CyclicBarrier(CLOSERS + 1);
		CyclicBarrier closed = new CyclicBarrier(CLOSERS + 1);
		BlockingQueue<Integer> wakeUps = new LinkedBlockingQueue<>();
		AtomicReferenceArray<List<Admission>> work = new AtomicReferenceArray<>(CLOSERS);
		AtomicReference<Thread> waiter = new AtomicReference<>();
		AtomicInteger arrived = new AtomicInteger();
		Future<?> waiting = this.threads.submit(() -> {
			waiter.set(Thread.currentThread());
			for (int round = 1; round <= ROUNDS; round++) {
				startWaiting.await();
				assertThat(controller.awaitDrained(Duration.ofSeconds(60))).isTrue();
				wakeUps.add(round);
			}
			return null;
		});
		List<Future<?>> closing = new ArrayList<>();
		for (int c = 0; c < CLOSERS; c++) {
			int closer = c;
			closing.add(this.threads.submit(() -> {
				for (int round = 1; round <= ROUNDS; round++) {
					startClosing.await();
					List<Admission> mine = work.get(closer);
					// released by the barrier one after the other: line up, close all but the last, line up again and
					// close the last ones at the same instant
					lineUp(arrived, (2 * round - 1) * CLOSERS);
					mine.subList(0, mine.size() - 1).forEach(Admission::close);
					lineUp(arrived, 2 * round * CLOSERS);
					mine.get(mine.size() - 1).close();
					closed.await();
				}
				return null;
			}));
		}
		for (int round = 1; round <= ROUNDS; round++) {
			for (int c = 0; c < CLOSERS; c++) {
				List<Admission> admissions = new ArrayList<>();
				for (int i = 0; i < PER_CLOSER; i++) {
					admissions.add(controller.admit(Priority.NORMAL));
				}
				work.set(c, admissions);
			}
			startWaiting.await();
			// the closes must find the waiter waiting, or they would prove nothing about waking it
			while (waiter.get().getState() != Thread.State.TIMED_WAITING) {
				Thread.yield();
			}
			startClosing.await();
			closed.await();
			assertThat(wakeUps.poll(WAKE_UP.toMillis(), TimeUnit.MILLISECONDS))
				.as("the drain, woken by the last close of round %d", round)
				.isEqualTo(round);
		}
		waiting.get(10, TimeUnit.SECONDS);
		for (Future<?> future : closing) {
			future.get(10, TimeUnit.SECONDS);
		}
		assertThat(controller.depth()).isZero();
	}

	/** Arrives, and spins until {@code count} threads have: a barrier that releases its threads together. */
	private static void lineUp(AtomicInteger arrived, int count) {
		arrived.incrementAndGet();
		for (int spins = 0; arrived.get() < count; spins++) {
			if (spins < 20_000) {
				Thread.onSpinWait();
			}
			else {
				// another closer is not running: let it
				Thread.yield();
			}
		}
	}

}
