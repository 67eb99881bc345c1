/**
 * Circuit breakers in plain Java: the {@link io.zeroclaw.resilience.circuitbreaker.CircuitBreaker} and its registry.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.circuitbreaker;

import org.jspecify.annotations.NullMarked;
