package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;

/**
 * Circuit breakers around provider beans, on when {@code zeroclaw.resilience.circuit-breaker.enabled=true}.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class)
@ConditionalOnBooleanProperty("zeroclaw.resilience.circuit-breaker.enabled")
public final class CircuitBreakerAutoConfiguration {

}
