package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.zeroclaw.resilience.backpressure.Admission;

/**
 * Closes an admission exactly once even when two threads race to close it: the worker thread that ran an
 * {@code @Async} task, and the thread that cancelled its future or saw the executor reject it. The controller's own
 * admissions leave this guard out to keep admission cheap (see {@code BackpressureController}); the asynchronous path
 * pays for it once per task, next to the cost of queueing the task.
 */
final class OnceAdmission implements Admission {

	private static final VarHandle CLOSED;

	static {
		try {
			CLOSED = MethodHandles.lookup().findVarHandle(OnceAdmission.class, "closed", boolean.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Admission admission;

	private volatile boolean closed;

	OnceAdmission(Admission admission) {
		this.admission = admission;
	}

	@Override
	public void close() {
		if (CLOSED.compareAndSet(this, false, true)) {
			this.admission.close();
		}
	}

}
