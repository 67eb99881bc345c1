package io.zeroclaw.resilience.autoconfigure;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

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

	private SharedGauges() {
	}

	/**
	 * Registers a gauge and tells whether this call created it. The check compares identities with the meters present
	 * before, not names and tags, which a {@code MeterFilter} that renames meters would change, and holds the
	 * registry's monitor across both steps, so that of two contexts starting at once only one takes the gauge for its
	 * own.
	 * @param registry the registry
	 * @param gauge the gauge to register
	 * @return the registered gauge when this call created it, to be removed by the caller's context when it closes;
	 * {@code null} when the registry already held it
	 */
	public static @Nullable Gauge registerOwned(MeterRegistry registry, Gauge.Builder<?> gauge) {
		synchronized (registry) {
			Set<Meter> present = Collections.newSetFromMap(new IdentityHashMap<>());
			present.addAll(registry.getMeters());
			Gauge registered = gauge.register(registry);
			return present.contains(registered) ? null : registered;
		}
	}

}
