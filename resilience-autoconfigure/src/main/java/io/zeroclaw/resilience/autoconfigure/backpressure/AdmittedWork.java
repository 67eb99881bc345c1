package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the current thread is running {@code @Prioritized} work that holds an admission: the body of a synchronous
 * call, of an {@code @Async} task in its worker thread, or of a Kotlin {@code suspend} function wherever its coroutine
 * runs.
 * <p>
 * A synchronous {@code @Prioritized} call made there is part of that work, so it runs under the admission the work
 * already holds rather than taking a second slot: one piece of work counts once in the depth, and work that was
 * admitted is never shed half-way, neither when the queue fills up behind it nor while the controller drains for
 * shutdown. An {@code @Async} call made there, one that returns a {@code CompletionStage}, or a Kotlin
 * {@code suspend} function, is new work that may outlast the work that made it, and is admitted as such; but a
 * {@code suspend} function that the body of a held {@code suspend} function calls, and so awaits, is part of it.
 */
final class AdmittedWork {

	/**
	 * A mark per thread, left in place between pieces of work: removing and setting a thread-local entry for every
	 * piece costs a native call and an entry each time, which a pooled worker running many short tasks feels. The mark
	 * and its key are JDK types (a plain {@code ThreadLocal}, not {@code withInitial}, whose supplier would be a class
	 * of the starter's), so a thread that outlives the application holds nothing of its class loader.
	 */
	private static final ThreadLocal<boolean[]> HELD = new ThreadLocal<>();

	/**
	 * The mark of a Kotlin {@code suspend} function's body that holds an admission, set while the body's coroutine
	 * runs on the thread (see {@link SuspendedWork#markBody}): kotlinx.coroutines sets it each time the body resumes
	 * and puts back what was there each time it suspends. One flag per call, shared by every thread the body and its
	 * child coroutines run on, cleared only when the call gives its slot back.
	 */
	static final ThreadLocal<AtomicBoolean> BODY = new ThreadLocal<>();

	private AdmittedWork() {
	}

	/** @return whether the current thread runs work that holds an admission */
	static boolean isHeld() {
		boolean[] held = HELD.get();
		return (held != null && held[0]) || isBodyHeld();
	}

	/** @return whether the current thread runs the body of a {@code suspend} function that still holds its slot */
	static boolean isBodyHeld() {
		AtomicBoolean body = BODY.get();
		return body != null && body.get();
	}

	/**
	 * Marks the current thread as running admitted work.
	 * @return what to hand to {@link #exit} when the work ends: whether the thread already ran admitted work
	 */
	static boolean enter() {
		boolean[] held = HELD.get();
		if (held == null) {
			held = new boolean[1];
			HELD.set(held);
		}
		boolean previous = held[0];
		held[0] = true;
		return previous;
	}

	/**
	 * Ends what {@link #enter} began.
	 * @param previous what {@code enter} returned
	 */
	static void exit(boolean previous) {
		if (!previous) {
			boolean[] held = HELD.get();
			if (held != null) {
				held[0] = false;
			}
		}
	}

}
