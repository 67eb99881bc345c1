package io.zeroclaw.resilience.backpressure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
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

	@Test
	void contendedAdmissionsThroughPoolsShouldNeverExceedTheLimitOfTheRunningPriority() throws Exception {
		// 4 pools for 8 threads, so that pools are shared as well as private; capacity min(64, 500 / 16) = 31
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 4);
		assertThat(controller.poolCapacity()).isPositive();
		for (Priority priority : List.of(Priority.BACKGROUND, Priority.LOW, Priority.NORMAL, Priority.HIGH)) {
			int limit = controller.limit(priority);
			AtomicInteger held = new AtomicInteger();
			AtomicInteger maxHeld = new AtomicInteger();
			AtomicLong shed = new AtomicLong();
			runOnThreads((thread) -> hammer(controller, (i) -> priority, held, maxHeld, shed));
			// held counts admissions from just after admit until just before close, so it never exceeds the depth
			assertThat(maxHeld.get()).as("most %s admissions held at once", priority).isBetween(1, limit);
			assertThat(shed.get()).as("%s work shed", priority).isPositive();
			assertDrainedAndExact(controller, priority);
		}
	}

	@Test
	void contendedMixedPrioritiesThroughPoolsShouldNeverExceedTheHighestLimit() throws Exception {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 4);
		int highest = controller.limit(Priority.HIGH);
		AtomicInteger held = new AtomicInteger();
		AtomicInteger maxHeld = new AtomicInteger();
		AtomicLong shed = new AtomicLong();
		runOnThreads((thread) -> hammer(controller, (i) -> Priority.values()[1 + (thread + i) % 4], held, maxHeld,
				shed));
		assertThat(maxHeld.get()).isBetween(1, highest);
		assertThat(shed.get()).isPositive();
		for (Priority priority : List.of(Priority.BACKGROUND, Priority.LOW, Priority.NORMAL, Priority.HIGH)) {
			assertDrainedAndExact(controller, priority);
		}
	}

	@Test
	void whileALimitIsHeldThatPriorityShouldBeShedEvenWithSlotsParkedInPools() throws Exception {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 4);
		int backgroundLimit = controller.limit(Priority.BACKGROUND);
		AtomicLong wronglyAdmitted = new AtomicLong();
		AtomicLong churned = new AtomicLong();
		for (int round = 0; round < 20; round++) {
			// far below the limits every thread's closes park slots in the pools
			runOnThreads((thread) -> {
				List<Admission> mine = new ArrayList<>();
				for (int i = 0; i < 20; i++) {
					mine.add(controller.admit(Priority.NORMAL));
				}
				mine.forEach(Admission::close);
			});
			assertThat(controller.pooledSlots()).isPositive();
			List<Admission> held = new ArrayList<>();
			while (controller.depth() < backgroundLimit) {
				held.add(controller.admit(Priority.HIGH));
			}
			// the true depth never falls below the background limit from here on, so background work must be shed,
			// while higher priorities churn above it through the same pools; every thread tries background work
			// first, whichever pool its id selects
			runOnThreads((thread) -> {
				for (int i = 0; i < 2_000; i++) {
					if (i % 2 == 0) {
						try {
							controller.admit(Priority.BACKGROUND).close();
							wronglyAdmitted.incrementAndGet();
						}
						catch (LoadShedException ex) {
							// expected
						}
					}
					else {
						try {
							controller.admit(Priority.values()[2 + (thread + i) % 3]).close();
							churned.incrementAndGet();
						}
						catch (LoadShedException ex) {
							// a full queue is allowed to shed these too
						}
					}
				}
			});
			assertThat(controller.depth()).isEqualTo(held.size());
			held.forEach(Admission::close);
			assertThat(controller.depth()).isZero();
		}
		assertThat(wronglyAdmitted.get()).isZero();
		assertThat(churned.get()).isPositive();
	}

	@Test
	void depthShouldNeverMissHeldWorkWhileOtherThreadsChurnThroughThePools() throws Exception {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 4);
		List<Admission> held = List.of(controller.admit(Priority.HIGH), controller.admit(Priority.HIGH),
				controller.admit(Priority.HIGH));
		AtomicInteger lowest = new AtomicInteger(Integer.MAX_VALUE);
		AtomicLong churned = new AtomicLong();
		Queue<Admission> handedOver = new ConcurrentLinkedQueue<>();
		runOnThreads((thread) -> {
			if (thread == 0) {
				for (int i = 0; i < 20_000; i++) {
					lowest.accumulateAndGet(controller.depth(), Math::min);
				}
			}
			else {
				// admissions are closed by whichever thread polls them, so slots taken from one pool park in another
				for (int i = 0; i < ITERATIONS; i++) {
					handedOver.add(controller.admit(Priority.values()[1 + i % 4]));
					Admission other = handedOver.poll();
					if (other != null) {
						other.close();
						churned.incrementAndGet();
					}
				}
			}
		});
		for (Admission left = handedOver.poll(); left != null; left = handedOver.poll()) {
			left.close();
		}
		assertThat(churned.get()).isPositive();
		assertThat(controller.pooledSlots()).isPositive();
		assertThat(lowest.get()).isGreaterThanOrEqualTo(held.size());
		held.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
		assertThat(controller.awaitDrained(Duration.ZERO)).isTrue();
	}

	@Test
	void noAdmissionShouldBeGrantedAfterADrainHasSeenTheQueueEmpty() throws Exception {
		assertNoAdmissionOutlivesADrain(new BackpressureController(new BackpressureConfig(10, 0.5, 0.7, 0.85, 0.95)));
	}

	@Test
	void noAdmissionThroughPoolsShouldBeGrantedAfterADrainHasSeenTheQueueEmpty() throws Exception {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(10_000, 0.5, 0.7, 0.85, 0.95));
		assertThat(controller.poolCapacity()).isPositive();
		assertNoAdmissionOutlivesADrain(controller);
	}

	/**
	 * One thread stops accepting, drains and resumes, over and over, while the others admit and close as fast as they
	 * can. Once a drain has seen the queue empty, no admission that raced {@code stopAccepting()} may still be
	 * granted: an admission held while the drain's flag is up is one the drain missed.
	 */
	private static void assertNoAdmissionOutlivesADrain(BackpressureController controller) throws Exception {
		long started = System.nanoTime();
		AtomicBoolean done = new AtomicBoolean();
		AtomicInteger rounds = new AtomicInteger();
		AtomicInteger drainedRounds = new AtomicInteger();
		AtomicLong admitted = new AtomicLong();
		// 3 s, and on a busy machine longer (up to 30 s) until there were rounds and admissions enough to race
		BooleanSupplier hammering = () -> {
			long elapsed = System.nanoTime() - started;
			return elapsed < TimeUnit.SECONDS.toNanos(3) || (elapsed < TimeUnit.SECONDS.toNanos(30)
					&& (rounds.get() <= 1_000 || admitted.get() <= 1_000));
		};
		AtomicLong missed = new AtomicLong();
		AtomicBoolean drained = new AtomicBoolean();
		runOnThreads((thread) -> {
			if (thread == 0) {
				try {
					while (hammering.getAsBoolean()) {
						drained.set(false);
						long before = admitted.get();
						controller.resumeAccepting();
						// keep the window open until some worker got in (or briefly, if none is running), so that
						// workers are busy admitting when the window closes
						for (int spin = 0; spin < 2_000 && admitted.get() == before; spin++) {
							Thread.onSpinWait();
						}
						controller.stopAccepting();
						rounds.incrementAndGet();
						if (controller.awaitDrained(Duration.ofSeconds(10))) {
							drained.set(true);
							drainedRounds.incrementAndGet();
						}
					}
				}
				finally {
					done.set(true);
				}
				return;
			}
			while (!done.get()) {
				try (Admission admission = controller.admit(Priority.NORMAL)) {
					admitted.incrementAndGet();
					if (drained.get()) {
						missed.incrementAndGet();
					}
				}
				catch (LoadShedException ex) {
					// draining, or the queue is full
				}
			}
		});
		assertThat(drainedRounds.get()).isEqualTo(rounds.get()).isGreaterThan(1_000);
		assertThat(admitted.get()).isGreaterThan(1_000);
		assertThat(missed.get()).as("admissions granted after a drain saw the queue empty").isZero();
		assertThat(controller.depth()).isZero();
	}

	/**
	 * Random walk of one thread: mostly admits and holds, sometimes closes one, and now and then closes everything,
	 * so that the depth climbs to the limits and falls back to where closes park slots in pools.
	 */
	private static void hammer(BackpressureController controller, IntFunction<Priority> priorities, AtomicInteger held,
			AtomicInteger maxHeld, AtomicLong shed) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		List<Admission> mine = new ArrayList<>();
		for (int i = 0; i < ITERATIONS; i++) {
			Priority priority = priorities.apply(i);
			if (random.nextInt(10) < 6) {
				try {
					Admission admission = controller.admit(priority);
					maxHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
					mine.add(admission);
				}
				catch (LoadShedException ex) {
					shed.incrementAndGet();
					if (ex.depth() < controller.limit(priority)) {
						throw new AssertionError(priority + " shed at depth " + ex.depth());
					}
				}
			}
			else if (!mine.isEmpty()) {
				held.decrementAndGet();
				mine.remove(mine.size() - 1).close();
			}
			if (random.nextInt(3_000) == 0) {
				held.addAndGet(-mine.size());
				mine.forEach(Admission::close);
				mine.clear();
			}
		}
		held.addAndGet(-mine.size());
		mine.forEach(Admission::close);
	}

	/** Once every thread has closed everything: the depth is zero, and one thread gets in exactly up to the limit. */
	private static void assertDrainedAndExact(BackpressureController controller, Priority priority)
			throws InterruptedException {
		assertThat(controller.depth()).isZero();
		assertThat(controller.awaitDrained(Duration.ZERO)).isTrue();
		List<Admission> held = new ArrayList<>();
		try {
			while (held.size() <= controller.maxQueueDepth()) {
				held.add(controller.admit(priority));
			}
		}
		catch (LoadShedException ex) {
			assertThat(ex.depth()).isEqualTo(controller.limit(priority));
		}
		assertThat(held).hasSize(controller.limit(priority));
		held.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
	}

	private static void runOnThreads(ConcurrentRun.Body body) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(THREADS);
		try {
			ConcurrentRun.together(executor, THREADS, Duration.ofSeconds(50), body);
		}
		finally {
			executor.shutdownNow();
		}
	}

}
