package io.zeroclaw.resilience.backpressure;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Work admitted on one thread and closed on another, as {@code @Async} work is: the closing threads' pools fill and
 * spill back to the shared count in steps of half a pool, while the admitting threads' pools stay empty. Hammered from
 * several threads, the limits hold exactly, every slot comes back, and a spill in progress does not make work look
 * deeper than it is.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackpressureControllerHandOffTests {

	private static final int ADMITTERS = 4;

	private static final int ITERATIONS = 100_000;

	private final List<ExecutorService> executors = new ArrayList<>();

	@AfterEach
	void tearDown() {
		this.executors.forEach(ExecutorService::shutdownNow);
	}

	@ParameterizedTest
	@EnumSource(value = Priority.class, names = { "BACKGROUND", "HIGH" })
	void workHandedToOtherThreadsShouldNeverExceedTheLimitAndShouldAllComeBack(Priority priority) throws Exception {
		// 4 pools for 8 threads, so that pools are shared as well as private; capacity min(64, 500 / 16) = 31
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 4);
		int limit = controller.limit(priority);
		List<Queue<Admission>> lines = new ArrayList<>();
		for (int i = 0; i < ADMITTERS; i++) {
			lines.add(new ConcurrentLinkedQueue<>());
		}
		AtomicInteger held = new AtomicInteger();
		AtomicInteger maxHeld = new AtomicInteger();
		AtomicLong shed = new AtomicLong();
		AtomicInteger admittersDone = new AtomicInteger();
		ConcurrentRun.together(executor(2 * ADMITTERS, Executors.defaultThreadFactory()), 2 * ADMITTERS,
				Duration.ofSeconds(50), (thread) -> {
					Queue<Admission> line = lines.get(thread % ADMITTERS);
					if (thread < ADMITTERS) {
						admit(controller, priority, line, held, maxHeld, shed);
						admittersDone.incrementAndGet();
					}
					else {
						close(line, held, () -> admittersDone.get() == ADMITTERS, limit);
					}
				});
		// held counts admissions from just after admit until just before close, so it never exceeds the depth
		assertThat(maxHeld.get()).as("most %s admissions held at once", priority).isBetween(1, limit);
		assertThat(shed.get()).as("%s work shed", priority).isPositive();
		assertThat(controller.depth()).isZero();
		assertThat(controller.pooledSlots()).isBetween(1, 4 * controller.poolCapacity());
		List<Admission> all = new ArrayList<>();
		LoadShedException last = null;
		while (last == null) {
			try {
				all.add(controller.admit(priority));
			}
			catch (LoadShedException ex) {
				last = ex;
			}
		}
		assertThat(all).hasSize(limit);
		assertThat(last.depth()).isEqualTo(limit);
		all.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
	}

	private static void admit(BackpressureController controller, Priority priority, Queue<Admission> line,
			AtomicInteger held, AtomicInteger maxHeld, AtomicLong shed) {
		for (int i = 0; i < ITERATIONS; i++) {
			try {
				Admission admission = controller.admit(priority);
				maxHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
				line.add(admission);
			}
			catch (LoadShedException ex) {
				shed.incrementAndGet();
				if (ex.depth() < controller.limit(priority)) {
					throw new AssertionError(priority + " shed at depth " + ex.depth());
				}
			}
		}
	}

	/**
	 * Takes admissions off the line and closes them in bursts of up to half the limit, or whenever the line runs
	 * dry, so that the depth climbs to the limit and falls back far below it, where closes park and spill.
	 */
	private static void close(Queue<Admission> line, AtomicInteger held, BooleanSupplier done,
			int limit) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		List<Admission> burst = new ArrayList<>();
		int target = 1 + random.nextInt(limit / 2);
		while (true) {
			Admission admission = line.poll();
			if (admission != null) {
				burst.add(admission);
			}
			if (admission == null || burst.size() >= target) {
				held.addAndGet(-burst.size());
				burst.forEach(Admission::close);
				burst.clear();
				target = 1 + random.nextInt(limit / 2);
				if (admission == null) {
					if (done.getAsBoolean() && line.isEmpty()) {
						return;
					}
					Thread.onSpinWait();
				}
			}
		}
	}

	/**
	 * A worker closing behind a steady backlog, one task admitted for each that ends: its pool fills and spills as
	 * long as the backlog leaves room for every pool below the lowest limit (500 - 4 * 31 = 376 here), which a
	 * backlog of 30 % of the queue depth does; an earlier ceiling of half the lowest limit left such a worker
	 * decrementing the shared count on every close.
	 */
	@ParameterizedTest(name = "backlog {0}")
	@ValueSource(ints = { 200, 370 })
	void aWorkerClosingBehindABacklogShouldParkItsSlots(int backlog) throws Exception {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 4);
		assertThat(controller.poolCapacity()).isEqualTo(31);
		Deque<Admission> admitted = new ArrayDeque<>();
		for (int i = 0; i < backlog; i++) {
			admitted.add(controller.admit(Priority.NORMAL));
		}
		BlockingQueue<Admission> line = new ArrayBlockingQueue<>(1);
		int cycles = 10_000;
		Future<?> worker = executor(1, threadsOnPoolsOfTheirOwn(4)).submit(() -> {
			for (int i = 0; i < cycles; i++) {
				line.take().close();
			}
			return null;
		});
		for (int i = 0; i < cycles; i++) {
			admitted.add(controller.admit(Priority.NORMAL));
			line.put(admitted.poll());
		}
		worker.get(30, TimeUnit.SECONDS);
		assertThat(controller.depth()).isEqualTo(backlog);
		// a worker that parks holds between half a pool and a full one; one that never parked holds nothing
		assertThat(controller.pooledSlots())
			.as("slots parked by a worker that closed %d tasks behind a backlog of %d", cycles, backlog)
			.isBetween(controller.poolCapacity() / 2, controller.poolCapacity());
		admitted.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
	}

	/**
	 * Racers at the limit, each on a pool of its own that is full: each closes the one admission it holds, which
	 * spills half its pool back to the shared count, and then asks for another. When it asks, its own close has
	 * lowered the true depth below the limit, so it must be admitted, while other racers spill and flush. (A spill is
	 * counted as a flush, so that a shed waits for one stopped between the pool and the shared count; that window is
	 * a few instructions wide, and this test has not been seen to land in it with the counting taken out.)
	 */
	@Test
	void closesThatSpillAtTheLimitShouldNotShedTheWorkTheyMadeRoomFor() throws Exception {
		int racers = 8;
		int pools = 64;
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(100_000, 0.5, 0.7, 0.85, 0.95), null, pools);
		int capacity = controller.poolCapacity();
		assertThat(capacity).isEqualTo(64);
		int limit = controller.limit(Priority.BACKGROUND);
		AtomicBoolean stop = new AtomicBoolean();
		AtomicInteger falseSheds = new AtomicInteger();
		List<Admission> admitted = Collections.synchronizedList(new ArrayList<>());
		// every racer on a thread of its own for every round, in step with this thread
		CyclicBarrier step = new CyclicBarrier(racers + 1);
		ThreadFactory threads = threadsOnPoolsOfTheirOwn(pools);
		ExecutorService executor = executor(racers, threads);
		List<Future<?>> running = new ArrayList<>();
		for (int r = 0; r < racers; r++) {
			running.add(executor.submit(() -> {
				while (true) {
					await(step);
					if (stop.get()) {
						return null;
					}
					// hold one admission and fill the own pool exactly: what is admitted comes out of the pool
					// first, then off the shared count, and what is closed parks until the pool is full
					Admission holding = controller.admit(Priority.NORMAL);
					List<Admission> mine = new ArrayList<>();
					for (int i = 0; i < capacity; i++) {
						mine.add(controller.admit(Priority.NORMAL));
					}
					mine.forEach(Admission::close);
					await(step);
					await(step);
					// the close spills half the full pool; only then does this racer ask again
					holding.close();
					try {
						admitted.add(controller.admit(Priority.BACKGROUND));
					}
					catch (LoadShedException ex) {
						falseSheds.incrementAndGet();
					}
					await(step);
				}
			}));
		}
		int rounds = 0;
		int roundsWithFalseSheds = 0;
		long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
		while (System.nanoTime() - end < 0) {
			rounds++;
			await(step);
			await(step);
			// every racer's pool is full; this thread's own pool, which its closes fill, is none of theirs
			assertThat(controller.pooledSlots()).isBetween(racers * capacity, (racers + 1) * capacity);
			List<Admission> critical = new ArrayList<>();
			for (int i = 0; i < limit - racers; i++) {
				critical.add(controller.admit(Priority.CRITICAL));
			}
			int shedBefore = falseSheds.get();
			await(step);
			await(step);
			if (falseSheds.get() > shedBefore) {
				roundsWithFalseSheds++;
			}
			critical.forEach(Admission::close);
			admitted.forEach(Admission::close);
			admitted.clear();
			assertThat(controller.depth()).isZero();
		}
		stop.set(true);
		await(step);
		for (Future<?> racer : running) {
			racer.get(10, TimeUnit.SECONDS);
		}
		assertThat(rounds).isPositive();
		// as in BackpressureControllerFlushRaceTests: the windows the controller's Javadoc names may let a shed
		// through now and then, a shed in one round of a thousand is a regression
		assertThat(roundsWithFalseSheds)
			.as("rounds of %d in which BACKGROUND admissions were shed below the limit (%d sheds)", rounds,
					falseSheds.get())
			.isLessThanOrEqualTo(1 + rounds / 1000);
	}

	private static void await(CyclicBarrier barrier) throws Exception {
		barrier.await(30, TimeUnit.SECONDS);
	}

	private ExecutorService executor(int threads, ThreadFactory threadFactory) {
		ExecutorService executor = Executors.newFixedThreadPool(threads, threadFactory);
		this.executors.add(executor);
		return executor;
	}

	/** Threads whose ids select pools that neither the calling thread nor another thread of the factory selects. */
	private static ThreadFactory threadsOnPoolsOfTheirOwn(int pools) {
		AtomicBoolean[] taken = new AtomicBoolean[pools];
		for (int i = 0; i < pools; i++) {
			taken[i] = new AtomicBoolean();
		}
		taken[(int) (Thread.currentThread().getId() & (pools - 1))].set(true);
		return (runnable) -> {
			while (true) {
				Thread thread = new Thread(runnable, "racer");
				if (taken[(int) (thread.getId() & (pools - 1))].compareAndSet(false, true)) {
					thread.setDaemon(true);
					return thread;
				}
			}
		};
	}

}
