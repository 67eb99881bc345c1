package io.zeroclaw.resilience.autoconfigure;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Registers the starter's gauges on a registry that several contexts may share (a parent and its children, contexts
 * restarted against one registry). The registry answers a second registration of a gauge's name and tags with the gauge
 * it already has, which reads another context's object: that one is not the caller's to remove when its context
 * closes. Support code for the auto-configuration, not an API.
 */
public final class SharedGauges {

	/**
	 * Where the registry's meter-added listener lists the meters created on a thread inside a registration: the gauge,
	 * and any meter another listener registers while told of it.
	 */
	private static final ThreadLocal<@Nullable List<Meter>> CREATED = new ThreadLocal<>();

	private static final Consumer<Meter> RECORD = (meter) -> {
		List<Meter> created = CREATED.get();
		if (created != null) {
			created.add(meter);
		}
	};

	/** The registries {@link #RECORD} listens to: listeners cannot be taken off, so each gets it once. */
	private static final Map<MeterRegistry, Boolean> LISTENED = Collections.synchronizedMap(new WeakHashMap<>());

	private SharedGauges() {
	}

	/**
	 * Registers a gauge and tells whether this call created it. The registry's meter-added listener, which runs on the
	 * thread that creates a meter, says so; so no search by name and tags is needed, which a {@code MeterFilter} that
	 * renames meters would defeat and which would cost a pass over every meter, and of two contexts starting at once
	 * only the one whose registration created the gauge takes it for its own. Not covered: a listener of the
	 * application that, while told of the gauge, has a gauge of the same name and tags registered on the same
	 * registry; Micrometer tells listeners before it stores the meter, so that inner registration creates a second
	 * gauge, which the outer one then replaces, and both take theirs for their own.
	 * @param registry the registry
	 * @param gauge the gauge to register
	 * @return the registered gauge when this call created it, to be removed by the caller's context when it closes;
	 * {@code null} when the registry already held it, or a filter denied it
	 */
	public static @Nullable Gauge registerOwned(MeterRegistry registry, Gauge.Builder<?> gauge) {
		// one step under the map's lock: a registration made while another thread is adding the listener waits for it,
		// rather than create its gauge unheard
		LISTENED.computeIfAbsent(registry, (listened) -> {
			listened.config().onMeterAdded(RECORD);
			return Boolean.TRUE;
		});
		List<Meter> outer = CREATED.get();
		List<Meter> created = new ArrayList<>(1);
		CREATED.set(created);
		try {
			Gauge registered = gauge.register(registry);
			for (Meter meter : created) {
				if (meter == registered) {
					return registered;
				}
			}
			return null;
		}
		finally {
			// a registration made by a listener while told of another one's meter
			if (outer != null) {
				outer.addAll(created);
				CREATED.set(outer);
			}
			else {
				CREATED.remove();
			}
		}
	}

}
