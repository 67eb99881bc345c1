package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.atomic.AtomicBoolean;

import io.zeroclaw.resilience.backpressure.Admission;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

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
 */
final class SuspendedWork {

	private SuspendedWork() {
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
