package io.zeroclaw.resilience.circuitbreaker;

import java.time.Duration;

/**
 * The settings of one {@link CircuitBreaker}.
 *
 * @param failureThreshold consecutive failures that open a closed breaker; at least 1
 * @param recoveryTimeout how long an open breaker refuses calls before it lets a probe through; positive
 * @param halfOpenMaxRequests probes let through per half-open period (a probe that ends ignored, say cancelled, gives
 * its place to another), all of which must succeed to close the breaker; at least 1
 */
public record CircuitBreakerConfig(int failureThreshold, Duration recoveryTimeout, int halfOpenMaxRequests) {

	/**
	 * Checks the arguments.
	 * @throws IllegalArgumentException naming the field when one is out of range
	 */
	public CircuitBreakerConfig {
		if (failureThreshold < 1) {
			throw new IllegalArgumentException("failureThreshold must be at least 1, was " + failureThreshold);
		}
		if (recoveryTimeout == null || recoveryTimeout.isZero() || recoveryTimeout.isNegative()) {
			throw new IllegalArgumentException("recoveryTimeout must be positive, was " + recoveryTimeout);
		}
		if (halfOpenMaxRequests < 1) {
			throw new IllegalArgumentException("halfOpenMaxRequests must be at least 1, was " + halfOpenMaxRequests);
		}
	}

	/** @return the defaults of the property tree: 5 failures, 30 seconds, 1 probe */
	public static CircuitBreakerConfig defaults() {
		return new CircuitBreakerConfig(5, Duration.ofSeconds(30), 1);
	}

}
