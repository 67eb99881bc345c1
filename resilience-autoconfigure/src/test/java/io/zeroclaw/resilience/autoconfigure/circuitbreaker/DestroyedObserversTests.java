package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A context's state-change publisher and meter binder, once destroyed, are done with a breaker registry that outlives
 * the context (a parent's, or one kept across restarts): neither hears of its breakers again, old or new, so that
 * the closed context is neither kept alive nor told of changes, and no meter is bound to its registry.
 */
class DestroyedObserversTests {

	private final CircuitBreakerRegistry registry = new CircuitBreakerRegistry();

	private CircuitBreaker breaker(String name) {
		return this.registry.computeIfAbsent(name, (key) -> new CircuitBreaker(key, CircuitBreakerConfig.defaults()));
	}

	@Test
	void destroyedPublisherShouldPublishNoMoreChangesOfOldOrNewBreakers() {
		CircuitBreaker early = breaker("early");
		List<Object> events = new CopyOnWriteArrayList<>();
		CircuitBreakerStateChangePublisher publisher = new CircuitBreakerStateChangePublisher(this.registry,
				events::add);
		publisher.afterSingletonsInstantiated();
		early.transitionToOpen();
		assertThat(events).hasSize(1);
		publisher.destroy();
		early.transitionToClosed();
		breaker("late").transitionToOpen();
		assertThat(events).as("events published after the publisher was destroyed").hasSize(1);
	}

	@Test
	void destroyedMetricsShouldBindNoMetersForBreakersCreatedAfter() {
		MeterRegistry meters = new SimpleMeterRegistry();
		CircuitBreakerMetrics metrics = new CircuitBreakerMetrics(this.registry, meters);
		metrics.afterSingletonsInstantiated();
		breaker("early");
		assertThat(meters.find(CircuitBreakerMetrics.STATE).tag("name", "early").gauges()).hasSize(3);
		metrics.destroy();
		breaker("late");
		assertThat(meters.find(CircuitBreakerMetrics.STATE).gauges()).isEmpty();
		assertThat(meters.find(CircuitBreakerMetrics.CALLS).tag("name", "late").counters()).isEmpty();
	}

}
