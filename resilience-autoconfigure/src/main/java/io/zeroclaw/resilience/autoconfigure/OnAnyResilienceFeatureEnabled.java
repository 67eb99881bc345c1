package io.zeroclaw.resilience.autoconfigure;

import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;

/**
 * Matches when at least one protection is enabled: what serves every feature (the operators' view) stays out of an
 * application that enabled none.
 */
public final class OnAnyResilienceFeatureEnabled extends AnyNestedCondition {

	OnAnyResilienceFeatureEnabled() {
		super(ConfigurationPhase.REGISTER_BEAN);
	}

	@ConditionalOnBooleanProperty("zeroclaw.resilience.rate-limit.enabled")
	static final class RateLimitEnabled {

	}

	@ConditionalOnBooleanProperty("zeroclaw.resilience.circuit-breaker.enabled")
	static final class CircuitBreakerEnabled {

	}

	@ConditionalOnBooleanProperty("zeroclaw.resilience.backpressure.enabled")
	static final class BackpressureEnabled {

	}

}
