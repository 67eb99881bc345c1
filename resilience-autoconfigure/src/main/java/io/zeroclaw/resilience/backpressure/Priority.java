package io.zeroclaw.resilience.backpressure;

/**
 * How important a piece of work is. Under load, less important work is shed first; {@link #CRITICAL} work is never
 * shed. Declared from the most to the least important.
 */
public enum Priority {

	/** Never shed, whatever the depth. */
	CRITICAL,

	/** Shed only when the queue is almost full. */
	HIGH,

	/** The default priority. */
	NORMAL,

	/** Shed once the queue is well filled. */
	LOW,

	/** Shed first, from half-full by default. */
	BACKGROUND

}
