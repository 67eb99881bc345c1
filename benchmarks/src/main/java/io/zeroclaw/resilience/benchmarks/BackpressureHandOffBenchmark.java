package io.zeroclaw.resilience.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureConfig;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Priority;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * Take a slot on one thread and give it back on another, as {@code @Async} work does: the caller's thread is admitted,
 * the executor's worker closes the admission when the work ends (the starter's own per-task code around that is not
 * in it, see below). {@link BackpressureBenchmark} measures both on one thread, which is what work run on the
 * admitting thread pays; here each group is an admitting thread and a closing thread joined by a single-producer,
 * single-consumer ring holding up to {@value #RING} batches of {@value #BATCH} admissions, the same ring for every
 * limiter. A batch per hand-off spreads the ring's cost (two cache lines crossing
 * between the threads) over {@value #BATCH} admissions; what is left of it is in every score alike, so the ratios
 * here understate the limiters' difference rather than overstate it. A group's score counts admissions and closes
 * together, twice its admit + close cycles (each method's own score, per admission or close, is half of it).
 * <p>
 * A side that finds the ring full (or empty) spins a while, then yields its core: the two threads of a group need a
 * core each, and on a machine that cannot give them that (other load, a host taking time), what is measured is the
 * scheduler more than the limiters. Quote these scores only from an otherwise idle machine.
 * <p>
 * The limiters are as in {@link BackpressureBenchmark}, {@value BackpressureBenchmark#LIMIT} at once: far above the
 * ring's {@value #RING} batches plus the two in the threads' hands, so nothing is refused. Those at most 320 open
 * admissions also stay below the depth up to which our controller lets an empty pool start to fill (376 with this
 * configuration on 2 processors: 4 pools of 31 slots), so our closing thread parks its slots and gives them back in
 * halves of a pool, as an executor's worker does behind any backlog below that; on more processors the pools are
 * smaller (7 slots on 8 processors, 1 on 32) and save less.
 * <p>
 * What is measured is the limiters' part of the hand-off. For {@code @Prioritized @Async} methods the starter adds a
 * guard that releases each admission once whether the task runs, is rejected or is cancelled (an object and two
 * compare-and-sets per task) and a count of tasks not started yet, written by both threads; the executor adds its
 * queue and the wake-up of its worker, which cost more than all three limiters here.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BackpressureHandOffBenchmark {

	static final int RING = 8;

	static final int BATCH = 32;

	static final int SPINS = 1_000;

	@Benchmark
	@Group("zeroclaw")
	@GroupThreads(1)
	@OperationsPerInvocation(BATCH)
	public void zeroclawAdmit(ZeroclawLine line, Tail tail, Control control) {
		Admission[] batch = new Admission[BATCH];
		for (int i = 0; i < BATCH; i++) {
			batch[i] = line.controller.admit(Priority.NORMAL);
		}
		line.ring.put(batch, tail, control, (unsent) -> {
			for (Admission admission : unsent) {
				admission.close();
			}
		});
	}

	@Benchmark
	@Group("zeroclaw")
	@GroupThreads(1)
	@OperationsPerInvocation(BATCH)
	public void zeroclawClose(ZeroclawLine line, Head head, Control control) {
		Admission[] batch = line.ring.take(head, control);
		if (batch != null) {
			for (Admission admission : batch) {
				admission.close();
			}
		}
	}

	@Benchmark
	@Group("concurrencyLimits")
	@GroupThreads(1)
	@OperationsPerInvocation(BATCH)
	public void concurrencyLimitsAdmit(ConcurrencyLimitsLine line, Tail tail, Control control) {
		Limiter.Listener[] batch = new Limiter.Listener[BATCH];
		for (int i = 0; i < BATCH; i++) {
			batch[i] = line.limiter.acquire(null).orElseThrow();
		}
		line.ring.put(batch, tail, control, (unsent) -> {
			for (Limiter.Listener listener : unsent) {
				listener.onSuccess();
			}
		});
	}

	@Benchmark
	@Group("concurrencyLimits")
	@GroupThreads(1)
	@OperationsPerInvocation(BATCH)
	public void concurrencyLimitsClose(ConcurrencyLimitsLine line, Head head, Control control) {
		Limiter.Listener[] batch = line.ring.take(head, control);
		if (batch != null) {
			for (Limiter.Listener listener : batch) {
				listener.onSuccess();
			}
		}
	}

	@Benchmark
	@Group("resilience4jBulkhead")
	@GroupThreads(1)
	@OperationsPerInvocation(BATCH)
	public void resilience4jBulkheadAdmit(BulkheadLine line, Tail tail, Control control) {
		Boolean[] batch = new Boolean[BATCH];
		for (int i = 0; i < BATCH; i++) {
			if (!line.bulkhead.tryAcquirePermission()) {
				throw new IllegalStateException("refused far below the limit");
			}
			batch[i] = Boolean.TRUE;
		}
		line.ring.put(batch, tail, control, (unsent) -> {
			for (int i = 0; i < unsent.length; i++) {
				line.bulkhead.onComplete();
			}
		});
	}

	@Benchmark
	@Group("resilience4jBulkhead")
	@GroupThreads(1)
	@OperationsPerInvocation(BATCH)
	public void resilience4jBulkheadClose(BulkheadLine line, Head head, Control control) {
		Boolean[] batch = line.ring.take(head, control);
		if (batch != null) {
			for (int i = 0; i < batch.length; i++) {
				line.bulkhead.onComplete();
			}
		}
	}

	@State(Scope.Group)
	public static class ZeroclawLine {

		final Ring<Admission[]> ring = new Ring<>();

		BackpressureController controller;

		@Setup
		public void setUp() {
			this.controller = new BackpressureController(
					new BackpressureConfig(BackpressureBenchmark.LIMIT, 0.5, 0.7, 0.85, 0.95));
		}

	}

	@State(Scope.Group)
	public static class ConcurrencyLimitsLine {

		final Ring<Limiter.Listener[]> ring = new Ring<>();

		SimpleLimiter<Void> limiter;

		@Setup
		public void setUp() {
			this.limiter = SimpleLimiter.newBuilder().limit(FixedLimit.of(BackpressureBenchmark.LIMIT)).build();
		}

	}

	@State(Scope.Group)
	public static class BulkheadLine {

		final Ring<Boolean[]> ring = new Ring<>();

		Bulkhead bulkhead;

		@Setup
		public void setUp() {
			this.bulkhead = Bulkhead.of("bench", BulkheadConfig.custom()
				.maxConcurrentCalls(BackpressureBenchmark.LIMIT)
				.maxWaitDuration(Duration.ZERO)
				.build());
		}

	}

	/** The producer's position, on its own thread's state: it shares no cache line with the consumer's. */
	@State(Scope.Thread)
	public static class Tail {

		long next;

	}

	/** The consumer's position. */
	@State(Scope.Thread)
	public static class Head {

		long next;

	}

	/**
	 * A bounded single-producer, single-consumer ring: a slot is free while it holds {@code null}. A side that finds
	 * the ring full (or empty) waits until it is not, or until the iteration ends, when the producer gives its item
	 * back itself: it spins {@value #SPINS} times, then yields between looks, so that a thread waiting for a partner
	 * that is not running does not hold the core that partner needs.
	 */
	static final class Ring<T> {

		private final AtomicReferenceArray<T> slots = new AtomicReferenceArray<>(RING);

		void put(T item, Tail tail, Control control, Consumer<T> giveBack) {
			int index = (int) (tail.next & (RING - 1));
			for (int waits = 0; this.slots.getAcquire(index) != null; waits++) {
				if (control.stopMeasurement) {
					giveBack.accept(item);
					return;
				}
				pause(waits);
			}
			this.slots.setRelease(index, item);
			tail.next++;
		}

		T take(Head head, Control control) {
			int index = (int) (head.next & (RING - 1));
			T item;
			for (int waits = 0; (item = this.slots.getAcquire(index)) == null; waits++) {
				if (control.stopMeasurement) {
					return null;
				}
				pause(waits);
			}
			this.slots.setRelease(index, null);
			head.next++;
			return item;
		}

		private static void pause(int waits) {
			if (waits < SPINS) {
				Thread.onSpinWait();
			}
			else {
				Thread.yield();
			}
		}

	}

}
