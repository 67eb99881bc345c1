package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.function.Consumer;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerListener;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Logs every state change of a breaker at the level an operator wants (opening is WARN, closing INFO, probing DEBUG)
 * and publishes it as a {@link CircuitBreakerStateChangedEvent}, for every breaker of the registry.
 */
public class CircuitBreakerStateChangePublisher
		implements CircuitBreakerListener, SmartInitializingSingleton, DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(CircuitBreaker.class);

	private final CircuitBreakerRegistry breakers;

	private final ApplicationEventPublisher publisher;

	private final Consumer<CircuitBreaker> listenTo = (breaker) -> breaker.addListener(this);

	/**
	 * @param breakers the breakers to listen to
	 * @param publisher where to publish their state changes
	 */
	public CircuitBreakerStateChangePublisher(CircuitBreakerRegistry breakers, ApplicationEventPublisher publisher) {
		this.breakers = breakers;
		this.publisher = publisher;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.breakers.onEachBreaker(this.listenTo);
	}

	/**
	 * Stops listening: a registry that outlives the context (one shared by several contexts, or a parent context's)
	 * would otherwise log and publish each state change once more for every context closed, and keep them alive.
	 */
	@Override
	public void destroy() {
		this.breakers.removeObserver(this.listenTo);
		this.breakers.breakers().values().forEach((breaker) -> breaker.removeListener(this));
	}

	@Override
	public void onStateTransition(CircuitBreaker breaker, CircuitState from, CircuitState to) {
		switch (to) {
			case OPEN -> logger.warn("Circuit breaker '{}' opened ({} -> OPEN, {} consecutive failures); "
					+ "calls are refused for {}", breaker.name(), from, breaker.consecutiveFailures(),
					breaker.config().recoveryTimeout());
			case CLOSED -> logger.info("Circuit breaker '{}' closed ({} -> CLOSED); calls go through again",
					breaker.name(), from);
			case HALF_OPEN -> logger.debug("Circuit breaker '{}' half-open; letting up to {} probes through",
					breaker.name(), breaker.config().halfOpenMaxRequests());
		}
		this.publisher.publishEvent(new CircuitBreakerStateChangedEvent(breaker, from, to));
	}

}
