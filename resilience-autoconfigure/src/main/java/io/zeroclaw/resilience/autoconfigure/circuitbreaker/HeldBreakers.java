package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.function.Supplier;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;

/**
 * The breakers whose permission the current thread holds for a call whose code runs on it: a synchronous call's body,
 * the code of an asynchronous, streaming or reactive call that runs before it returns (or, for a publisher, while it is
 * subscribed). A synchronous call back into the same bean made there (a tool the model runs that asks the model again)
 * is part of that call and runs under its permission.
 */
final class HeldBreakers {

	private static final ThreadLocal<Frame> HELD = new ThreadLocal<>();

	private HeldBreakers() {
	}

	/**
	 * @param breaker a breaker
	 * @return whether the current thread runs a call that holds a permission of that breaker
	 */
	static boolean holds(CircuitBreaker breaker) {
		for (Frame frame = HELD.get(); frame != null; frame = frame.outer()) {
			if (frame.breaker() == breaker) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Runs code of a call that holds a permission of the breaker.
	 * @param breaker the breaker whose permission the call holds
	 * @param work the call's code
	 * @param <T> what it returns
	 * @return what it returned
	 */
	static <T> T run(CircuitBreaker breaker, Supplier<T> work) {
		Frame outer = HELD.get();
		HELD.set(new Frame(breaker, outer));
		try {
			return work.get();
		}
		finally {
			if (outer != null) {
				HELD.set(outer);
			}
			else {
				// The thread is pooled: leave no entry behind on it.
				HELD.remove();
			}
		}
	}

	private record Frame(CircuitBreaker breaker, Frame outer) {
	}

}
