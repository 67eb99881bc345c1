package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.function.Supplier;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker.Permission;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Guards Reactor publishers; loaded only when a guarded method returns one, so Reactor stays optional. The breaker is
 * asked at subscription (a refusal is an error signal), the call is made then, and exactly one outcome is reported:
 * completion is a success, an error a failure, a cancellation gives the permission back.
 */
final class ReactorCalls {

	private ReactorCalls() {
	}

	static Flux<?> flux(CircuitBreaker breaker, Supplier<Object> call) {
		return Flux.defer(() -> {
			Permission permission = breaker.acquirePermission();
			Flux<?> source;
			try {
				source = (Flux<?>) call.get();
			}
			catch (Throwable ex) {
				permission.onFailure(ex);
				throw ex;
			}
			if (source == null) {
				// A broken upstream client: counted, so that a half-open probe never waits for a signal that
				// cannot come.
				NullPointerException ex = new NullPointerException("The guarded method returned null, not a Flux");
				permission.onFailure(ex);
				return Flux.error(ex);
			}
			return source.doOnComplete(permission::onSuccess)
				.doOnError(permission::onFailure)
				.doFinally((signal) -> permission.onIgnore());
		});
	}

	static Mono<?> mono(CircuitBreaker breaker, Supplier<Object> call) {
		return Mono.defer(() -> {
			Permission permission = breaker.acquirePermission();
			Mono<?> source;
			try {
				source = (Mono<?>) call.get();
			}
			catch (Throwable ex) {
				permission.onFailure(ex);
				throw ex;
			}
			if (source == null) {
				// A broken upstream client: counted, so that a half-open probe never waits for a signal that
				// cannot come.
				NullPointerException ex = new NullPointerException("The guarded method returned null, not a Mono");
				permission.onFailure(ex);
				return Mono.error(ex);
			}
			return source.doOnSuccess((value) -> permission.onSuccess())
				.doOnError(permission::onFailure)
				.doFinally((signal) -> permission.onIgnore());
		});
	}

}
