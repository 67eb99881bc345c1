package io.zeroclaw.resilience.backpressure;

/**
 * Told of every admission decision of a {@link BackpressureController}, for metrics. Called on the admitting thread,
 * on the hot path: an implementation must be fast and should not throw. An {@link Exception} it throws (a checked
 * one too; an {@code InterruptedException} leaves the thread interrupted) is swallowed, so that it can neither leak
 * a slot nor turn an admission into a failure; an {@link Error} reaches the caller, the slot given back. A controller
 * built without a listener pays nothing for the hook.
 */
public interface BackpressureListener {

	/**
	 * Work of the given priority was admitted.
	 * @param priority its priority
	 */
	default void onAdmitted(Priority priority) {
	}

	/**
	 * Work of the given priority was shed.
	 * @param priority its priority
	 * @param depth the depth observed when it was shed
	 */
	default void onShed(Priority priority, int depth) {
	}

}
