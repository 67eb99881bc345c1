package io.zeroclaw.resilience.backpressure;

/**
 * Thrown by {@link BackpressureController#admit(Priority)} when work is shed: the queue is too full for its priority.
 * The work was not started, so the caller may retry it later or drop it.
 */
public class LoadShedException extends RuntimeException {

	private final Priority priority;

	private final int depth;

	/**
	 * @param priority the priority of the shed work
	 * @param depth the depth observed when it was shed
	 */
	public LoadShedException(Priority priority, int depth) {
		super(priority + " work shed at queue depth " + depth, null, false, false);
		this.priority = priority;
		this.depth = depth;
	}

	/** @return the priority of the work that was shed */
	public Priority priority() {
		return this.priority;
	}

	/** @return the depth observed when the work was shed */
	public int depth() {
		return this.depth;
	}

}
