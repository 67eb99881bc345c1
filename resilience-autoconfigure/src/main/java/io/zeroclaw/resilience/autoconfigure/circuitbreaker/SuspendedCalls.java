package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.CoroutineMarks;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Runs the body of a guarded Kotlin {@code suspend} function with the call's mark (see {@link HeldBreakers}) wherever
 * its coroutine resumes: the body runs on the caller's dispatcher, after the thread that asked for the permission has
 * left the call, so a blocking call back into the same bean made there (a tool that asks the model again) would
 * otherwise ask the breaker for a probe of its own. The body's coroutine carries a mark of its own (see
 * {@link CoroutineMarks}), which ends when the call's {@code Mono} or {@code Flux} ends or is cancelled, before the
 * caller hears of it; a coroutine that inherited the body's context and goes on after that is not part of the call.
 * Only a call that holds a permission of its own marks its body: a {@code suspend} call that is itself part of a
 * call in progress (a call back) may go on after that call, and its body runs unmarked, so a blocking call back from
 * there is asked of the breaker. Loaded only for {@code suspend} functions.
 */
final class SuspendedCalls {

	private SuspendedCalls() {
	}

	/**
	 * Calls the function again, as the innermost call holding a permission on this thread (inside
	 * {@link HeldBreakers#run}), with its body marked as part of that call.
	 * @return the call's {@code Mono} or {@code Flux}, which ends the mark when it ends
	 */
	static @Nullable Object invokeMarked(MethodInvocation invocation) {
		HeldBreakers.Frame body = HeldBreakers.forBody();
		@Nullable Object[] marked = (body != null)
				? CoroutineMarks.marked(invocation.getArguments(), HeldBreakers.HELD, body) : null;
		if (body == null || marked == null || !(invocation instanceof ProxyMethodInvocation proxyInvocation)) {
			return CircuitBreakerInterceptor.invokeAgain(invocation);
		}
		Object result = CircuitBreakerInterceptor.invokeAgain(proxyInvocation.invocableClone(marked));
		// before the end reaches the caller, who may be resumed on the body's thread while the mark is still set
		if (result instanceof Mono<?> mono) {
			return mono.doOnTerminate(body::end).doOnCancel(body::end);
		}
		if (result instanceof Flux<?> flux) {
			return flux.doOnTerminate(body::end).doOnCancel(body::end);
		}
		body.end();
		return result;
	}

}
