package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.backpressure.Admission;

/**
 * The admission of one {@code @Async} task, released exactly once and only when the task's work is over: when the
 * task has run ({@link #finish()} in the worker thread), or when it will never run ({@link #abandon()}: the executor
 * rejected it, or its future was cancelled or completed before it started). A task that has started keeps its slot
 * until it ends, even if its future is cancelled meanwhile, since cancelling a future does not stop the work (a
 * {@code CompletableFuture}'s cancel never interrupts it).
 * <p>
 * The worker and the cancelling thread may race, hence one compare-and-set per step. The controller's own admissions
 * leave such a guard out to keep admission cheap (see {@code BackpressureController}); the asynchronous path pays for
 * it once per task, next to the cost of queueing the task.
 */
final class OnceAdmission {

	private static final int QUEUED = 0;

	private static final int RUNNING = 1;

	private static final int DONE = 2;

	private static final VarHandle STATE;

	static {
		try {
			STATE = MethodHandles.lookup().findVarHandle(OnceAdmission.class, "state", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Admission admission;

	/** The admitted tasks that have not started yet, of every task this one's post-processor admits. */
	private final AtomicInteger queued;

	private volatile int state;

	OnceAdmission(Admission admission, AtomicInteger queued) {
		this.admission = admission;
		this.queued = queued;
		queued.incrementAndGet();
	}

	/**
	 * The task starts in the worker thread. If its slot was already given back (it was cancelled as it was about to
	 * start), it runs without one.
	 */
	void start() {
		if (STATE.compareAndSet(this, QUEUED, RUNNING)) {
			this.queued.decrementAndGet();
		}
	}

	/** The task has ended in the worker thread: gives its slot back. */
	void finish() {
		if (STATE.compareAndSet(this, RUNNING, DONE)) {
			this.admission.close();
		}
	}

	/**
	 * The task will not run, or its future was completed from outside: gives the slot back unless the task has
	 * started, in which case its end does.
	 */
	void abandon() {
		if (STATE.compareAndSet(this, QUEUED, DONE)) {
			this.queued.decrementAndGet();
			this.admission.close();
		}
	}

}
