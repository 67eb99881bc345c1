package io.zeroclaw.resilience.backpressure;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Work admitted on one thread and closed on another, as {@code @Async} work is: the closing threads' pools fill and
 * spill back to the shared count in steps of half a pool, while the admitting threads' pools stay empty. Hammered from
 * several threads, the limits hold exactly, every slot comes back, work is shed only at its limit, and a drain
 * waiting for the last close hears of it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackpressureControllerHandOffTests {

	private static final int ADMITTERS = 4;

	private static final int ITERATIONS = 100_000;

	/**
	 * Longer than a shed takes that neither waits for a flush nor is descheduled (well under a microsecond), shorter
	 * than one that waits for a stopped flush or spill (a thousand spins and a hundred yields, 170 µs measured).
	 */
	private static final long QUICK_SHED_NANOS = 5_000;

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
	 * Hand-off and same-thread work together on tiny pools (capacity 1, 2, 3), shared pools and a larger queue, with
	 * every admission closed twice. Besides the limit and the slots coming back, each shed is checked against an
	 * upper bound of the true depth at that instant, counted by the threads themselves: the attempts started before
	 * the shed returned, less this one, less the sheds and the closes done before it began. A shed below the limit by
	 * that bound is a false one; counting a spill as a flush keeps them out, which the exception's own depth (read
	 * from the shared count) cannot show. Only quick sheds are held to that: a flush or spill stopped (descheduled)
	 * between a pool and the shared count, or a shedding thread stopped after its flush, are windows the controller's
	 * Javadoc names, and one such stop makes every shed during it count the stopped slots, each after a wait that a
	 * shed counting an uncounted spill never makes. A monitor checks meanwhile that {@code depth()} never falls below
	 * the admissions open and that the pools never hold more than their capacity.
	 */
	@ParameterizedTest(name = "depth {0}, pools {1}")
	@CsvSource({ "8, 1", "8, 2", "32, 2", "48, 2", "48, 4", "64, 1", "1000, 4", "1000, 1" })
	void mixedHandOffShouldKeepEveryInvariantAndShedOnlyAtTheLimit(int maxDepth, int poolCount) throws Exception {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(maxDepth, 0.5, 0.7, 0.85, 0.95), null, poolCount);
		int limit = controller.limit(Priority.BACKGROUND);
		int capacity = controller.poolCapacity();
		Queue<Admission> line = new ConcurrentLinkedQueue<>();
		AtomicInteger held = new AtomicInteger();
		AtomicInteger maxHeld = new AtomicInteger();
		AtomicLong attempts = new AtomicLong();
		AtomicLong admitted = new AtomicLong();
		AtomicLong closesStarted = new AtomicLong();
		AtomicLong closesDone = new AtomicLong();
		AtomicLong sheds = new AtomicLong();
		AtomicLong falseSheds = new AtomicLong();
		AtomicLong slowFalseSheds = new AtomicLong();
		AtomicBoolean stop = new AtomicBoolean();
		AtomicReference<String> violation = new AtomicReference<>();
		long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
		int monitor = 5;
		int sameThread = 4;
		ConcurrentRun.together(executor(6, Executors.defaultThreadFactory()), 6, Duration.ofSeconds(60), (thread) -> {
			if (thread == monitor) {
				while (!stop.get()) {
					// admissions counted before the depth is read, closes after it: a lower bound of the open ones
					long admittedBefore = admitted.get();
					int depth = controller.depth();
					long open = admittedBefore - closesStarted.get();
					if (depth < open) {
						violation.compareAndSet(null, "depth " + depth + " below " + open + " open admissions");
					}
					int pooled = controller.pooledSlots();
					if (pooled > poolCount * capacity) {
						violation.compareAndSet(null, pooled + " slots pooled");
					}
				}
				return;
			}
			// threads 0 and 1 admit and hand over, 2 and 3 close what is handed over, 4 does both with its own work
			boolean admits = thread < 2 || thread == sameThread;
			boolean closes = thread >= 2;
			List<Admission> mine = new ArrayList<>();
			ThreadLocalRandom random = ThreadLocalRandom.current();
			while (System.nanoTime() - end < 0) {
				if (admits && random.nextInt(3) != 0) {
					long closedBefore = closesDone.get();
					long shedBefore = sheds.get();
					attempts.incrementAndGet();
					long started = System.nanoTime();
					try {
						Admission admission = controller.admit(Priority.BACKGROUND);
						int now = held.incrementAndGet();
						maxHeld.accumulateAndGet(now, Math::max);
						admitted.incrementAndGet();
						((thread == sameThread) ? mine : line).add(admission);
					}
					catch (LoadShedException ex) {
						boolean quick = System.nanoTime() - started < QUICK_SHED_NANOS;
						sheds.incrementAndGet();
						if (attempts.get() - 1 - shedBefore - closedBefore < limit) {
							(quick ? falseSheds : slowFalseSheds).incrementAndGet();
						}
					}
				}
				if (closes) {
					int burst = random.nextInt(1 + limit);
					for (int i = 0; i < burst; i++) {
						Admission admission = (thread != sameThread) ? line.poll()
								: mine.isEmpty() ? null : mine.remove(mine.size() - 1);
						if (admission == null) {
							break;
						}
						closeTwice(admission, held, closesStarted, closesDone);
					}
				}
			}
			mine.forEach((admission) -> closeTwice(admission, held, closesStarted, closesDone));
			if (closes) {
				Admission admission;
				while ((admission = line.poll()) != null) {
					closeTwice(admission, held, closesStarted, closesDone);
				}
			}
			if (thread == sameThread) {
				stop.set(true);
			}
		});
		stop.set(true);
		line.forEach(Admission::close);
		assertThat(violation.get()).isNull();
		assertThat(maxHeld.get()).isBetween(1, limit);
		assertThat(sheds.get()).isPositive();
		// the instruction-wide windows the controller's Javadoc names may let a quick one through now and then;
		// without the counting of spills, tens to thousands a configuration, nearly all quick
		assertThat(falseSheds.get())
			.as("quick sheds below the limit of %d, of %d (and %d slow ones)", limit, sheds.get(), slowFalseSheds.get())
			.isLessThanOrEqualTo(2);
		assertThat(controller.depth()).isZero();
		assertThat(controller.awaitDrained(Duration.ZERO)).isTrue();
		List<Admission> all = new ArrayList<>();
		LoadShedException last = null;
		while (last == null) {
			try {
				all.add(controller.admit(Priority.BACKGROUND));
			}
			catch (LoadShedException ex) {
				last = ex;
			}
		}
		assertThat(all).hasSize(limit);
		all.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
	}

	private static void closeTwice(Admission admission, AtomicInteger held, AtomicLong closesStarted,
			AtomicLong closesDone) {
		held.decrementAndGet();
		closesStarted.incrementAndGet();
		admission.close();
		admission.close();
		closesDone.incrementAndGet();
	}

	/** The last close of all spills, or parks into a pool that holds slots: a drain waiting for it wakes at once. */
	@ParameterizedTest(name = "spills: {0}")
	@ValueSource(booleans = { true, false })
	void theLastCloseShouldWakeADrainWaiterWhetherItSpillsOrParks(boolean spill) throws Exception {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 1);
		int capacity = controller.poolCapacity();
		// one pool for every thread, filled from this one to its capacity, or two short of it
		int fill = spill ? capacity : capacity - 2;
		List<Admission> held = new ArrayList<>();
		for (int i = 0; i < fill + 1; i++) {
			held.add(controller.admit(Priority.NORMAL));
		}
		Admission last = held.remove(held.size() - 1);
		held.forEach(Admission::close);
		assertThat(controller.pooledSlots()).isEqualTo(fill);
		assertThat(controller.depth()).isOne();
		FutureTask<Boolean> drained = new FutureTask<>(() -> controller.awaitDrained(Duration.ofSeconds(20)));
		Thread waiter = new Thread(drained, "drain-waiter");
		waiter.start();
		// the close must find the waiter already waiting, or it would prove nothing about waking it
		while (waiter.getState() != Thread.State.TIMED_WAITING) {
			Thread.onSpinWait();
		}
		last.close();
		assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
		assertThat(controller.pooledSlots()).isEqualTo(spill ? capacity - capacity / 2 : fill + 1);
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
