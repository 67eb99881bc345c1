package io.zeroclaw.resilience.autoconfigure;

import kotlin.coroutines.Continuation;
import kotlin.coroutines.CoroutineContext;
import kotlinx.coroutines.ThreadContextElementKt;
import org.jspecify.annotations.Nullable;

/**
 * Carries a thread's mark into the body of a Kotlin {@code suspend} function, wherever its coroutine resumes. Spring
 * runs such a body in the context of the continuation the call passes last (minus its job), so a call whose arguments
 * end with a continuation that adds a kotlinx thread-context element runs its body, and the coroutines that inherit
 * its context, with the thread-local set, and puts back what the thread had each time the body suspends or ends.
 * Loaded only for {@code suspend} functions, which Spring runs this way only when kotlinx-coroutines-reactor is
 * present. Support code for the auto-configuration, not an API.
 */
public final class CoroutineMarks {

	private CoroutineMarks() {
	}

	/**
	 * @param arguments a {@code suspend} function's arguments, its caller's continuation last
	 * @param local the thread-local to set
	 * @param value what to set it to while the body runs
	 * @return a copy of the arguments whose continuation carries the mark; {@code null} if the last is none
	 */
	public static <T> @Nullable Object @Nullable [] marked(@Nullable Object[] arguments, ThreadLocal<T> local,
			T value) {
		if (arguments.length == 0 || !(arguments[arguments.length - 1] instanceof Continuation<?> caller)) {
			return null;
		}
		// a copy: the proxy awaits the body with the caller's own continuation, from the array it was called with
		@Nullable Object[] marked = arguments.clone();
		marked[marked.length - 1] = new MarkedContinuation<>(caller,
				caller.getContext().plus(ThreadContextElementKt.asContextElement(local, value)));
		return marked;
	}

	/**
	 * @param arguments a {@code suspend} function's arguments, its caller's continuation last
	 * @param key the key of the thread-local's elements, from {@link #keyOf}
	 * @return whether the calling coroutine carries a mark of that thread-local (it, or a coroutine whose context it
	 * inherited, was given one by {@link #marked})
	 */
	public static boolean carriesMark(@Nullable Object[] arguments, CoroutineContext.Key<?> key) {
		return arguments.length > 0 && arguments[arguments.length - 1] instanceof Continuation<?> caller
				&& caller.getContext().get(uncheckedKey(key)) != null;
	}

	/** @return the key of every mark of the thread-local in a coroutine context */
	public static CoroutineContext.Key<?> keyOf(ThreadLocal<?> local) {
		return ThreadContextElementKt.asContextElement(local, null).getKey();
	}

	@SuppressWarnings("unchecked")
	private static CoroutineContext.Key<CoroutineContext.Element> uncheckedKey(CoroutineContext.Key<?> key) {
		return (CoroutineContext.Key<CoroutineContext.Element>) key;
	}

	/**
	 * The caller's continuation as the body's context sees it: Spring reads only the context, to start the body in,
	 * and the proxy resumes the caller through the caller's own continuation, never through this one.
	 */
	private static final class MarkedContinuation<T> implements Continuation<T> {

		private final Continuation<T> caller;

		private final CoroutineContext context;

		MarkedContinuation(Continuation<T> caller, CoroutineContext context) {
			this.caller = caller;
			this.context = context;
		}

		@Override
		public CoroutineContext getContext() {
			return this.context;
		}

		@Override
		public void resumeWith(Object result) {
			this.caller.resumeWith(result);
		}

	}

}
