package io.zeroclaw.resilience.autoconfigure.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the protections: each breaker's state in the details. A breaker that is open means an upstream is
 * failing and is being kept away, which is the breaker working; the application stays UP unless
 * {@code zeroclaw.resilience.circuit-breaker.health-down-when-open} is set.
 */
public class ResilienceHealthIndicator extends AbstractHealthIndicator {

	private final CircuitBreakerRegistry breakers;

	private final boolean downWhenOpen;

	public ResilienceHealthIndicator(CircuitBreakerRegistry breakers, boolean downWhenOpen) {
		super("Resilience health check failed");
		this.breakers = breakers;
		this.downWhenOpen = downWhenOpen;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Map<String, Object> details = new LinkedHashMap<>();
		boolean anyOpen = false;
		for (CircuitBreaker breaker : this.breakers.breakers().values()) {
			CircuitBreaker.Snapshot now = breaker.snapshot();
			anyOpen |= (now.state() == CircuitState.OPEN);
			Map<String, Object> breakerDetails = new LinkedHashMap<>();
			breakerDetails.put("state", now.state().name());
			breakerDetails.put("consecutiveFailures", now.consecutiveFailures());
			details.put(breaker.name(), breakerDetails);
		}
		if (anyOpen && this.downWhenOpen) {
			builder.down();
		}
		else {
			builder.up();
		}
		builder.withDetail("circuitBreakers", details);
	}

}
