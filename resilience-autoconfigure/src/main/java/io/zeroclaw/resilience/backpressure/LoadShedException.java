package io.zeroclaw.resilience.backpressure;

/**
 * Thrown by {@link BackpressureController#admit(Priority)} when work is shed: the queue is too full for its priority,
 * or the controller has stopped accepting non-critical work because the application is shutting down
 * ({@link #shuttingDown()}). The work was not started, so the caller may retry it later (elsewhere, when shutting
 * down) or drop it.
 */
public class LoadShedException extends RuntimeException {

	private final Priority priority;

	private final int depth;

	private final boolean shuttingDown;

	/**
	 * @param priority the priority of the shed work
	 * @param depth the depth observed when it was shed
	 */
	public LoadShedException(Priority priority, int depth) {
		this(priority, depth, false);
	}

	/**
	 * @param priority the priority of the shed work
	 * @param depth the depth observed when it was shed
	 * @param shuttingDown whether it was shed because the controller no longer accepts non-critical work
	 */
	public LoadShedException(Priority priority, int depth, boolean shuttingDown) {
		super(shuttingDown ? priority + " work refused at queue depth " + depth
				+ ": shutting down, only CRITICAL work is admitted" : priority + " work shed at queue depth " + depth,
				null, false, false);
		this.priority = priority;
		this.depth = depth;
		this.shuttingDown = shuttingDown;
	}

	/** @return the priority of the work that was shed */
	public Priority priority() {
		return this.priority;
	}

	/** @return the depth observed when the work was shed */
	public int depth() {
		return this.depth;
	}

	/**
	 * @return whether the work was shed because the application is shutting down (the controller stopped accepting
	 * non-critical work), rather than because the queue was too full for it
	 */
	public boolean shuttingDown() {
		return this.shuttingDown;
	}

}
