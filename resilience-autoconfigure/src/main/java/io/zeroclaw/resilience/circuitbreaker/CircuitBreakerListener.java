package io.zeroclaw.resilience.circuitbreaker;

import org.jspecify.annotations.Nullable;

/**
 * Told of what a {@link CircuitBreaker} does. Every method has an empty default, so a listener implements only what it
 * needs. Methods are called on the thread that caused the event, after the fact (but a failure before the breaker
 * counts it: see {@link #onFailure}), and must be quick and must not throw: whatever a listener throws (a checked
 * exception or an {@code Error} too) is caught and dropped so that it can never disturb the call, the breaker's counts
 * or the other listeners; an {@code InterruptedException} leaves the thread interrupted.
 * <p>
 * Transitions are reported in the order their atomic swaps happened only as far as one thread is concerned; two
 * threads racing through transitions may report them to listeners in either order, so a listener that needs the
 * current state reads {@link CircuitBreaker#state()}. Read in a listener, {@code state()} may itself move an expired
 * open breaker to half-open: that transition is reported once the one in progress has reached every listener.
 */
public interface CircuitBreakerListener {

	/**
	 * The breaker moved from one state to another.
	 * @param breaker the breaker
	 * @param from the state it left
	 * @param to the state it entered
	 */
	default void onStateTransition(CircuitBreaker breaker, CircuitState from, CircuitState to) {
	}

	/**
	 * A permitted call succeeded.
	 * @param breaker the breaker
	 */
	default void onSuccess(CircuitBreaker breaker) {
	}

	/**
	 * A permitted call failed in a way that speaks of the upstream's health. Told before the breaker counts the
	 * failure, so that the opening it may cause is told after it: {@link CircuitBreaker#state()} and
	 * {@link CircuitBreaker#consecutiveFailures()} read here do not include it yet. Also told of the failure of a call
	 * admitted in an earlier period (the breaker was forced to another state, or has opened and closed again,
	 * meanwhile), which changes no count.
	 * @param breaker the breaker
	 * @param failure what the call threw or completed with
	 */
	default void onFailure(CircuitBreaker breaker, Throwable failure) {
	}

	/**
	 * A permitted call ended without saying anything about the upstream's health: it threw an ignored exception, was
	 * cancelled or interrupted, failed in this JVM rather than upstream (a {@link VirtualMachineError}, a
	 * {@link java.util.concurrent.RejectedExecutionException}, an {@link UnsupportedOperationException}, or a refusal
	 * by another breaker or by load shedding), or its stream was closed before the upstream sent a first element.
	 * @param breaker the breaker
	 * @param cause the ignored exception, or {@code null} when the call was abandoned without one
	 */
	default void onIgnored(CircuitBreaker breaker, @Nullable Throwable cause) {
	}

	/**
	 * A call was refused without being attempted.
	 * @param breaker the breaker
	 * @param refusal the exception the caller received
	 */
	default void onRejected(CircuitBreaker breaker, CircuitOpenException refusal) {
	}

}
