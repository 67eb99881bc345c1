package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.atomic.AtomicBoolean;

import io.zeroclaw.resilience.autoconfigure.CoroutineMarks;
import io.zeroclaw.resilience.backpressure.Admission;
import kotlin.coroutines.CoroutineContext;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Holds the admission of a Kotlin {@code suspend} function until its body has ended. Spring runs such a function
 * through Reactor: the call returns a lazy {@code Mono} of the body, which the proxy awaits right after the advice
 * returns, so the work happens after the call and is held by the {@code Mono}'s end (a value, an error, or the
 * cancellation of the calling coroutine). Loaded only for suspend functions, which Spring runs this way only when
 * {@code kotlinx-coroutines-reactor} (and so Reactor) is present.
 * <p>
 * A suspend function returning a {@code Flow} answers a {@code Flux} that runs when the flow is collected, which may
 * be never, as for a method returning a {@code Flux}: its slot is given back when the call returns.
 * <p>
 * The body's end and the cancellation of its caller may come at the same instant from two threads, which an
 * admission's own {@code close()} does not allow for: a once-only guard decides between them.
 * <p>
 * The body is admitted work (see {@link AdmittedWork}) on whatever thread it resumes: Spring runs it in the calling
 * coroutine's context, which the call hands it through the continuation it passes last, so the starter passes on a
 * continuation whose context adds a thread-context element that sets the body's mark while the body, or a coroutine
 * that inherits its context, runs on a thread. A synchronous {@code @Prioritized} call made there runs under the
 * body's admission, as from a synchronous call's body, and so does a {@code suspend} one whose calling coroutine
 * carries the element (it is awaited there: a child, or the body itself); a coroutine started in a scope of its own
 * does not, and its calls are admitted on their own. The mark ends when the slot is given back, so a coroutine that
 * inherited the context and goes on after the body has ended is admitted work no longer.
 */
final class SuspendedWork {

	/** Finds the mark in a coroutine context. */
	private static final CoroutineContext.Key<?> BODY_KEY = CoroutineMarks.keyOf(AdmittedWork.BODY);

	private SuspendedWork() {
	}

	/**
	 * @param arguments a {@code suspend} function's arguments, its caller's continuation last
	 * @return whether the calling coroutine is (or is a child of) the body of a {@code suspend} function that still
	 * holds its slot, and the current thread runs it
	 */
	static boolean isCalledFromHeldBody(@Nullable Object[] arguments) {
		return CoroutineMarks.carriesMark(arguments, BODY_KEY) && AdmittedWork.isBodyHeld();
	}

	/**
	 * Has the call run its body as admitted work, by handing it a continuation whose context marks it.
	 * @param admission the call's admission
	 * @return the admission to hold for the call, which also ends the mark when closed; the call's own if its shape
	 * allows no mark
	 */
	static Admission markBody(MethodInvocation invocation, Admission admission) {
		AtomicBoolean body = new AtomicBoolean(true);
		@Nullable Object[] marked = CoroutineMarks.marked(invocation.getArguments(), AdmittedWork.BODY, body);
		if (!(invocation instanceof ProxyMethodInvocation proxyInvocation) || marked == null) {
			return admission;
		}
		proxyInvocation.setArguments(marked);
		// what still runs with the mark once the slot is back (a coroutine that inherited the context) is not held
		return () -> {
			body.set(false);
			admission.close();
		};
	}

	/**
	 * @return what a skipped call answers: a body that ends at once with nothing, which the proxy awaits as the
	 * function's end
	 */
	static Object skipped() {
		return Mono.empty();
	}

	/**
	 * @return the call's {@code Mono}, releasing the admission when it ends; {@code null} if the call answered
	 * anything else, whose admission the caller releases now
	 */
	static @Nullable Object holdUntilDone(@Nullable Object result, Admission admission) {
		if (result instanceof Mono<?> body) {
			// the body's end and the caller's cancellation may come at once, from two threads: close once
			AtomicBoolean released = new AtomicBoolean();
			Runnable release = () -> {
				if (released.compareAndSet(false, true)) {
					admission.close();
				}
			};
			// before the end reaches the caller (doFinally runs after, on the thread that ended the body, so a caller
			// resumed elsewhere could still see its own slot taken); a cancellation, which reaches no caller, as well
			return body.doOnTerminate(release).doOnCancel(release);
		}
		return null;
	}

}
