package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.SharedGauges;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerListener;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Binds every breaker of the {@link CircuitBreakerRegistry} to Micrometer: the gauge
 * {@code zeroclaw.resilience.circuitbreaker.state{name,state}} (1 for the current state, 0 for the others; state is
 * CLOSED, OPEN or HALF_OPEN) and the counter {@code zeroclaw.resilience.circuitbreaker.calls{name,outcome}} with
 * outcome success, failure, rejected or ignored. Breakers created after start-up are bound when they are created.
 */
public class CircuitBreakerMetrics implements SmartInitializingSingleton, DisposableBean {

	/** Name of the state gauge. */
	public static final String STATE = "zeroclaw.resilience.circuitbreaker.state";

	/** Name of the calls counter. */
	public static final String CALLS = "zeroclaw.resilience.circuitbreaker.calls";

	private final CircuitBreakerRegistry breakers;

	private final MeterRegistry meters;

	/**
	 * The breakers bound to each meter registry, by every context that binds them: a breaker registry shared by
	 * several contexts (a parent's, used by its children) is bound once per meter registry, or each context's
	 * listener would count every call again, and its meters stay until the last of those contexts closes.
	 */
	private static final Map<MeterRegistry, Map<CircuitBreaker, WeakReference<Binding>>> BINDINGS = new WeakHashMap<>();

	/**
	 * The bindings this context holds. Only the contexts hold bindings strongly: the static map refers to registries,
	 * breakers and bindings weakly, so a context dropped without being closed is still collected.
	 */
	private final Map<CircuitBreaker, Binding> bound = new ConcurrentHashMap<>();

	private final Consumer<CircuitBreaker> bind = this::bind;

	/**
	 * @param breakers the breakers to bind
	 * @param meters where to register their meters
	 */
	public CircuitBreakerMetrics(CircuitBreakerRegistry breakers, MeterRegistry meters) {
		this.breakers = breakers;
		this.meters = meters;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.breakers.onEachBreaker(this.bind);
	}

	/**
	 * Removes this context's state gauges, and its counters from the breakers: a meter registry or a breaker registry
	 * that outlives the context (one shared by several contexts, or a parent context's) would otherwise report and
	 * count for it, and keep it alive, after it closed.
	 */
	@Override
	public void destroy() {
		this.breakers.removeObserver(this.bind);
		synchronized (BINDINGS) {
			Map<CircuitBreaker, WeakReference<Binding>> bindings = BINDINGS.getOrDefault(this.meters, Map.of());
			this.bound.forEach((breaker, binding) -> {
				if (--binding.holders == 0) {
					bindings.remove(breaker);
					breaker.removeListener(binding.counters);
					binding.gauges.forEach(this.meters::remove);
				}
			});
		}
		this.bound.clear();
	}

	private void bind(CircuitBreaker breaker) {
		synchronized (BINDINGS) {
			Map<CircuitBreaker, WeakReference<Binding>> bindings = BINDINGS.computeIfAbsent(this.meters,
					(meters) -> new WeakHashMap<>());
			WeakReference<Binding> held = bindings.get(breaker);
			Binding binding = (held != null) ? held.get() : null;
			if (binding == null || binding.holders == 0) {
				binding = newBinding(breaker);
				bindings.put(breaker, new WeakReference<>(binding));
			}
			binding.holders++;
			this.bound.put(breaker, binding);
		}
	}

	/**
	 * Registers a breaker's meters. Only the gauges registered here are this binding's to remove: a gauge of the same
	 * name and tags already there belongs to another context's breaker of that name, and stays its own.
	 */
	private Binding newBinding(CircuitBreaker breaker) {
		CallCounters counters = new CallCounters(breaker.name(), this.meters);
		List<Meter> gauges = new ArrayList<>();
		try {
			for (CircuitState state : CircuitState.values()) {
				Gauge gauge = SharedGauges.registerOwned(this.meters,
						Gauge.builder(STATE, breaker, (b) -> (b.state() == state) ? 1 : 0)
							.description("1 when the circuit breaker is in this state, else 0")
							.tag("name", breaker.name())
							.tag("state", state.name())
							.strongReference(true));
				if (gauge != null) {
					gauges.add(gauge);
				}
			}
		}
		catch (RuntimeException ex) {
			// a meter of the same name but another type: leave nothing of this binding behind
			gauges.forEach(this.meters::remove);
			throw ex;
		}
		breaker.addListener(counters);
		return new Binding(gauges, counters);
	}

	/** One breaker's meters in one meter registry, and how many contexts hold them. */
	private static final class Binding {

		private final List<Meter> gauges;

		private final CallCounters counters;

		private int holders;

		Binding(List<Meter> gauges, CallCounters counters) {
			this.gauges = gauges;
			this.counters = counters;
		}

	}

	/** Counts the outcomes of one breaker's calls; the counters are looked up once, not per call. */
	private static final class CallCounters implements CircuitBreakerListener {

		private final Counter success;

		private final Counter failure;

		private final Counter rejected;

		private final Counter ignored;

		CallCounters(String name, MeterRegistry meters) {
			this.success = counter(name, "success", meters);
			this.failure = counter(name, "failure", meters);
			this.rejected = counter(name, "rejected", meters);
			this.ignored = counter(name, "ignored", meters);
		}

		private static Counter counter(String name, String outcome, MeterRegistry meters) {
			return Counter.builder(CALLS)
				.description("Calls through the circuit breaker, by outcome")
				.tag("name", name)
				.tag("outcome", outcome)
				.register(meters);
		}

		@Override
		public void onSuccess(CircuitBreaker breaker) {
			this.success.increment();
		}

		@Override
		public void onFailure(CircuitBreaker breaker, Throwable failure) {
			this.failure.increment();
		}

		@Override
		public void onIgnored(CircuitBreaker breaker, @Nullable Throwable cause) {
			this.ignored.increment();
		}

		@Override
		public void onRejected(CircuitBreaker breaker, CircuitOpenException refusal) {
			this.rejected.increment();
		}

	}

}
