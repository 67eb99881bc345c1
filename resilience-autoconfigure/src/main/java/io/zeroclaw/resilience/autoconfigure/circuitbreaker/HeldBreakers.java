package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
			if (frame.hasEnded()) {
				// the mark a suspend function's body carries (or one of the calls it was made in), read by code going
				// on after that call has ended: a coroutine the body left behind, a body that outlived its caller
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
		return run(breaker, null, period, work);
	}

	/** As {@link #run(CircuitBreaker, long, Supplier)}, for a publisher's call, whose mark ends when the call does. */
	static <T extends @Nullable Object> T run(CircuitBreaker breaker, @Nullable Call owner, long period,
			Supplier<T> work) {
		Frame frame = enter(breaker, owner, period);
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
	static Frame enter(CircuitBreaker breaker, @Nullable Call owner, long period) {
		Frame frame = new Frame(breaker, HELD.get(), owner, period);
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
		return (call != null) ? new Frame(call.breaker(), call.outer(), null, call.period()) : null;
	}

	/**
	 * Ends what {@link #enter} began.
	 * @param frame what {@code enter} returned
	 */
	static void exit(Frame frame) {
		// a suspend function's body made in this call may carry this mark among its outer ones, and outlive the call;
		// a publisher's call goes on after its code leaves the thread, and its marks end when it does
		if (frame.owner() == null) {
			frame.end();
		}
		restore(frame);
	}

	/** Puts back the mark the frame was entered on, leaving the frame itself as it is. */
	private static void restore(Frame frame) {
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
	static void outside(Call owner, Runnable code) {
		Frame current = HELD.get();
		if (current == null || current.owner() != owner) {
			code.run();
			return;
		}
		restore(current);
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
	static void inside(CircuitBreaker breaker, Call owner, long period, Runnable code) {
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

	/** A publisher's call, whose marks end when it does: nothing that keeps its caller or upstream reachable. */
	static class Call {

		private volatile boolean ended;

		void end() {
			this.ended = true;
		}

		boolean hasEnded() {
			return this.ended;
		}

	}

	/**
	 * A call's mark: its breaker, the mark of the call it runs inside of (if any), the call it belongs to, the
	 * breaker's period its permission was given in, and whether the call has ended. A thread removes a mark when the
	 * call ends, but the body of a Kotlin {@code suspend} function carries one (and the marks it was made inside of)
	 * to other threads, where it may be read after the call: ended, it no longer counts.
	 */
	static final class Frame {

		private static final VarHandle ENDED;

		static {
			try {
				ENDED = MethodHandles.lookup().findVarHandle(Frame.class, "ended", boolean.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		private final CircuitBreaker breaker;

		private final @Nullable Frame outer;

		private final @Nullable Call owner;

		private final long period;

		/** Written once, with release semantics, and read with acquire: a plain store and load on x86. */
		@SuppressWarnings("unused")
		private boolean ended;

		Frame(CircuitBreaker breaker, @Nullable Frame outer, @Nullable Call owner, long period) {
			this.breaker = breaker;
			this.outer = outer;
			this.owner = owner;
			this.period = period;
		}

		CircuitBreaker breaker() {
			return this.breaker;
		}

		@Nullable Frame outer() {
			return this.outer;
		}

		@Nullable Call owner() {
			return this.owner;
		}

		long period() {
			return this.period;
		}

		/** Ends the mark: code that still runs with it is not part of the call. */
		void end() {
			ENDED.setRelease(this, true);
		}

		boolean hasEnded() {
			return (boolean) ENDED.getAcquire(this) || (this.owner != null && this.owner.hasEnded());
		}

	}

}
