package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;

import org.springframework.context.ApplicationEvent;

/**
 * Published when a breaker moves from one state to another. The source is the {@link CircuitBreaker}. A listener
 * that throws is logged at WARN (at most once a minute) and never fails the call that changed the state; as for any
 * Spring event published without an error handler, the listeners after it are not told of that change.
 */
public class CircuitBreakerStateChangedEvent extends ApplicationEvent {

	private final CircuitState from;

	private final CircuitState to;

	/**
	 * @param breaker the breaker that changed state
	 * @param from the state it left
	 * @param to the state it entered
	 */
	public CircuitBreakerStateChangedEvent(CircuitBreaker breaker, CircuitState from, CircuitState to) {
		super(breaker);
		this.from = from;
		this.to = to;
	}

	/** @return the breaker that changed state */
	public CircuitBreaker getBreaker() {
		return (CircuitBreaker) getSource();
	}

	/** @return the breaker's name */
	public String getBreakerName() {
		return getBreaker().name();
	}

	/** @return the state it left */
	public CircuitState getFrom() {
		return this.from;
	}

	/** @return the state it entered */
	public CircuitState getTo() {
		return this.to;
	}

	@Override
	public String toString() {
		return "CircuitBreakerStateChangedEvent[" + getBreakerName() + ": " + this.from + " -> " + this.to + "]";
	}

}
