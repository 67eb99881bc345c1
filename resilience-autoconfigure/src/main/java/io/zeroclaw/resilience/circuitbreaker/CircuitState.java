package io.zeroclaw.resilience.circuitbreaker;

/**
 * The state of a {@link CircuitBreaker}.
 */
public enum CircuitState {

	/** Calls go through; consecutive failures are counted and open the breaker at the threshold. */
	CLOSED,

	/** Calls are refused with {@link CircuitOpenException} until the recovery timeout has passed. */
	OPEN,

	/** A limited number of probe calls go through; all must succeed to close, any failure reopens. */
	HALF_OPEN

}
