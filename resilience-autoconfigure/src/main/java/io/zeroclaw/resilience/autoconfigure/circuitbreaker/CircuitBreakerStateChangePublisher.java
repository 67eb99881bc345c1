package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

	private static final long NEVER_LOGGED = Long.MIN_VALUE;

	private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final CircuitBreakerRegistry breakers;

	private final ApplicationEventPublisher publisher;

	/**
	 * The contexts listening to each breaker, in the order they began: a breaker registry shared by several contexts
	 * (a parent's, used by its children) has each state change published in every one of them, but logged once, by
	 * the first still listening.
	 */
	private static final Map<CircuitBreaker, List<WeakReference<CircuitBreakerStateChangePublisher>>> LISTENERS =
			new WeakHashMap<>();

	private final Consumer<CircuitBreaker> listenTo = this::listenTo;

	private final AtomicLong lastListenerFailureLog = new AtomicLong(NEVER_LOGGED);

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
		for (CircuitBreaker breaker : this.breakers.breakers().values()) {
			// out of the list first: a change heard after this is logged by the next still listening, never by none
			synchronized (LISTENERS) {
				List<WeakReference<CircuitBreakerStateChangePublisher>> listening = LISTENERS.get(breaker);
				if (listening != null) {
					listening.removeIf((held) -> held.get() == null || held.get() == this);
					if (listening.isEmpty()) {
						LISTENERS.remove(breaker);
					}
				}
			}
			breaker.removeListener(this);
		}
	}

	private void listenTo(CircuitBreaker breaker) {
		synchronized (LISTENERS) {
			// weakly: a context dropped without being closed must still be collected
			LISTENERS.computeIfAbsent(breaker, (key) -> new ArrayList<>()).add(new WeakReference<>(this));
		}
		breaker.addListener(this);
	}

	private boolean logsFor(CircuitBreaker breaker) {
		synchronized (LISTENERS) {
			List<WeakReference<CircuitBreakerStateChangePublisher>> listening = LISTENERS.get(breaker);
			if (listening == null) {
				return true;
			}
			listening.removeIf((held) -> held.get() == null);
			return listening.isEmpty() || listening.get(0).get() == this;
		}
	}

	@Override
	public void onStateTransition(CircuitBreaker breaker, CircuitState from, CircuitState to) {
		if (logsFor(breaker)) {
			log(breaker, from, to);
		}
		try {
			this.publisher.publishEvent(new CircuitBreakerStateChangedEvent(breaker, from, to));
		}
		catch (RuntimeException | Error ex) {
			// The breaker drops what its listeners throw, so that no call is disturbed: said here, or the failure
			// of an application's listener (and the listeners after it, which Spring then skips) would go unseen.
			long now = System.nanoTime();
			long last = this.lastListenerFailureLog.get();
			if ((last == NEVER_LOGGED || now - last >= LOG_INTERVAL_NANOS)
					&& this.lastListenerFailureLog.compareAndSet(last, now)) {
				logger.warn("A listener of CircuitBreakerStateChangedEvent failed on breaker '{}' ({} -> {}); the "
						+ "listeners after it were not told (logged at most once a minute)", breaker.name(), from, to,
						ex);
			}
		}
	}

	private static void log(CircuitBreaker breaker, CircuitState from, CircuitState to) {
		switch (to) {
			case OPEN -> logger.warn("Circuit breaker '{}' opened ({} -> OPEN, {} consecutive failures); "
					+ "calls are refused for {}", breaker.name(), from, breaker.consecutiveFailures(),
					breaker.config().recoveryTimeout());
			case CLOSED -> logger.info("Circuit breaker '{}' closed ({} -> CLOSED); calls go through again",
					breaker.name(), from);
			case HALF_OPEN -> logger.debug("Circuit breaker '{}' half-open; letting up to {} probes through",
					breaker.name(), breaker.config().halfOpenMaxRequests());
		}
	}

}
