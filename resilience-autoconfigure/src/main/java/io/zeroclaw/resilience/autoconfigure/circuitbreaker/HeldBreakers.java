package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.jspecify.annotations.Nullable;

/**
 * The breakers whose permission the current thread holds for a call whose code runs on it: a synchronous call's body,
 * the code of an asynchronous, streaming or reactive call that runs before it returns (or, for a publisher, while it is
 * subscribed). A synchronous call back into the same bean made there (a tool the model runs that asks the model again)
 * is part of that call and runs under its permission.
 */
final class HeldBreakers {

	/** Package-private for a Kotlin {@code suspend} function's body, whose coroutine carries its own mark. */
	static final ThreadLocal<Frame> HELD = new ThreadLocal<>();

	private HeldBreakers() {
	}

	/**
	 * Whether a call of the breaker made now is part of a call in progress on this thread: the thread holds a
	 * permission of the breaker, and the breaker has not opened since. Code that is not the call's own can run on its
	 * thread (a task the JDK runs there while the call waits on a future), so an open breaker refuses it all the same.
	 * @param breaker a breaker
	 * @return whether to run the call under the permission the thread holds, asking the breaker nothing
	 */
	static boolean runsUnder(CircuitBreaker breaker) {
		for (Frame frame = HELD.get(); frame != null; frame = frame.outer()) {
			if (frame.live() != null && !frame.live().get()) {
				// a coroutine that inherited the mark of a suspend function's body, going on after the call has ended
				return false;
			}
			if (frame.breaker() == breaker) {
				// the period the permission was given in is still the breaker's, and the breaker is not open
				return frame.period() == breaker.transitions() && breaker.state() != CircuitState.OPEN;
			}
		}
		return false;
	}

	/** @return the innermost call's mark on this thread, or {@code null}; for tests */
	static @Nullable Frame innermost() {
		return HELD.get();
	}

	/**
	 * Runs code of a call that holds a permission of the breaker.
	 * @param breaker the breaker whose permission the call holds
	 * @param period the breaker's {@link CircuitBreaker#transitions()}, read before it gave the permission
	 * @param work the call's code
	 * @param <T> what it returns
	 * @return what it returned
	 */
	static <T extends @Nullable Object> T run(CircuitBreaker breaker, long period, Supplier<T> work) {
		Frame frame = enter(breaker, null, period);
		try {
			return work.get();
		}
		finally {
			exit(frame);
		}
	}

	/**
	 * Marks the current thread as running code of a call that holds a permission of the breaker, until
	 * {@link #exit}.
	 * @param breaker the breaker
	 * @param owner the call the mark belongs to, for {@link #outside} and {@link #inside}; {@code null} for none
	 * @param period the breaker's {@link CircuitBreaker#transitions()}, read before it gave the permission
	 * @return the mark, for {@code exit}
	 */
	static Frame enter(CircuitBreaker breaker, @Nullable Object owner, long period) {
		Frame frame = new Frame(breaker, HELD.get(), owner, period, null);
		HELD.set(frame);
		return frame;
	}

	/**
	 * The mark of the body of a Kotlin {@code suspend} function called now with a permission of its own, as the
	 * innermost call on this thread (inside {@link #run}), for the body's coroutine to carry wherever it runs; it ends
	 * when the call does.
	 * @return the mark, or {@code null} if no call runs on this thread
	 */
	static @Nullable Frame forBody() {
		Frame call = HELD.get();
		return (call != null) ? new Frame(call.breaker(), call.outer(), null, call.period(), new AtomicBoolean(true))
				: null;
	}

	/**
	 * Ends what {@link #enter} began.
	 * @param frame what {@code enter} returned
	 */
	static void exit(Frame frame) {
		if (frame.outer() != null) {
			HELD.set(frame.outer());
		}
		else {
			// The thread is pooled: leave no entry behind on it.
			HELD.remove();
		}
	}

	/**
	 * Runs code that is not the call's own (the caller's, handed a signal) without the call's mark, if the call's mark
	 * is the innermost one on this thread; a mark of another call stays.
	 * @param owner the call
	 * @param code the caller's code
	 */
	static void outside(Object owner, Runnable code) {
		Frame current = HELD.get();
		if (current == null || current.owner() != owner) {
			code.run();
			return;
		}
		exit(current);
		try {
			code.run();
		}
		finally {
			HELD.set(current);
		}
	}

	/**
	 * Runs the call's own code again (its publisher, asked for more by the caller) with the call's mark.
	 * @param breaker the call's breaker
	 * @param owner the call
	 * @param period the breaker's {@link CircuitBreaker#transitions()}, read before it gave the call its permission
	 * @param code the call's code
	 */
	static void inside(CircuitBreaker breaker, Object owner, long period, Runnable code) {
		Frame current = HELD.get();
		if (current != null && current.owner() == owner) {
			code.run();
			return;
		}
		Frame frame = enter(breaker, owner, period);
		try {
			code.run();
		}
		finally {
			exit(frame);
		}
	}

	/**
	 * A call's mark: its breaker, the mark of the call it runs inside of (if any), the call it belongs to, the
	 * breaker's period its permission was given in, and for a {@code suspend} function's body, whether the call is
	 * still in progress ({@code null} for a mark the thread removes itself when the call ends).
	 */
	record Frame(CircuitBreaker breaker, @Nullable Frame outer, @Nullable Object owner, long period,
			@Nullable AtomicBoolean live) {

		/** Ends a body's mark: code that still runs with it is not part of the call. */
		void end() {
			if (this.live != null) {
				this.live.set(false);
			}
		}

	}

}
