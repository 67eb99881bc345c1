package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;

/**
 * Creates the one {@link CircuitBreaker} of a wrapped bean, once per bean name for the application's lifetime. The
 * auto-configured factory follows {@code zeroclaw.resilience.circuit-breaker.*}; a bean of this type of the
 * application's own wins (for example one built on {@link PropertiesCircuitBreakerFactory} with another clock).
 */
@FunctionalInterface
public interface CircuitBreakerFactory {

	/**
	 * @param name the breaker's name: the name of the bean it protects
	 * @return the breaker, named {@code name}
	 */
	CircuitBreaker create(String name);

}
