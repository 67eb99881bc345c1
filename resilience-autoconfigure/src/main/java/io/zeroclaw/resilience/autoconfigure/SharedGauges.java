package io.zeroclaw.resilience.autoconfigure;

import java.util.Collections;
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

	/** Where the registry's meter-added listener puts the meter it created, on a thread inside a registration. */
	private static final ThreadLocal<Meter @Nullable []> CREATED = new ThreadLocal<>();

	private static final Consumer<Meter> RECORD = (meter) -> {
		Meter[] created = CREATED.get();
		if (created != null) {
			created[0] = meter;
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
	 * only the one whose registration created the gauge takes it for its own.
	 * @param registry the registry
	 * @param gauge the gauge to register
	 * @return the registered gauge when this call created it, to be removed by the caller's context when it closes;
	 * {@code null} when the registry already held it, or a filter denied it
	 */
	public static @Nullable Gauge registerOwned(MeterRegistry registry, Gauge.Builder<?> gauge) {
		if (LISTENED.putIfAbsent(registry, Boolean.TRUE) == null) {
			registry.config().onMeterAdded(RECORD);
		}
		Meter[] created = new Meter[1];
		CREATED.set(created);
		try {
			Gauge registered = gauge.register(registry);
			return (created[0] == registered) ? registered : null;
		}
		finally {
			CREATED.remove();
		}
	}

}
