package io.zeroclaw.resilience.autoconfigure.backpressure;

import org.jspecify.annotations.Nullable;

/**
 * Whether the current thread is running {@code @Prioritized} work that holds an admission: the body of a synchronous
 * call, or of an {@code @Async} task in its worker thread.
 * <p>
 * A synchronous {@code @Prioritized} call made there is part of that work, so it runs under the admission the work
 * already holds rather than taking a second slot: one piece of work counts once in the depth, and work that was
 * admitted is never shed half-way, neither when the queue fills up behind it nor while the controller drains for
 * shutdown. An {@code @Async} call made there, or one that returns a {@code CompletionStage}, is new work that may
 * outlast the work that made it, and is admitted as such.
 */
final class AdmittedWork {

	private static final ThreadLocal<Boolean> HELD = new ThreadLocal<>();

	private AdmittedWork() {
	}

	/** @return whether the current thread runs work that holds an admission */
	static boolean isHeld() {
		return HELD.get() != null;
	}

	/**
	 * Marks the current thread as running admitted work.
	 * @return what to hand to {@link #exit} when the work ends
	 */
	static @Nullable Boolean enter() {
		Boolean previous = HELD.get();
		HELD.set(Boolean.TRUE);
		return previous;
	}

	/**
	 * Ends what {@link #enter} began.
	 * @param previous what {@code enter} returned
	 */
	static void exit(@Nullable Boolean previous) {
		if (previous == null) {
			// The thread is pooled: leave no entry behind on it.
			HELD.remove();
		}
	}

}
