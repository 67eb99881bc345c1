package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Instance;
import org.jspecify.annotations.Nullable;

/**
 * The keys of {@code zeroclaw.resilience.circuit-breaker.instances} by their relaxed form, so that finding a bean's
 * entry costs a lookup, not a pass over every entry: a service with thousands of upstream beans, each tuned under the
 * dashed name a YAML file or an environment variable gives it, would otherwise start in time that grows with their
 * square.
 */
final class InstanceKeys {

	private final Map<String, Instance> instances;

	/** How many entries {@link #instances} had when this was made: one added since makes a new index. */
	private final int size;

	/** Each relaxed form's keys, in the order of {@link #instances}. */
	private final Map<String, List<String>> byRelaxedName = new HashMap<>();

	private InstanceKeys(Map<String, Instance> instances) {
		this.instances = instances;
		this.size = instances.size();
		for (String key : instances.keySet()) {
			this.byRelaxedName.computeIfAbsent(relaxed(key), (relaxed) -> new ArrayList<>(1)).add(key);
		}
	}

	/**
	 * The index of a map, or {@code last} when that is the index of this very map, unchanged in size.
	 * @param instances the bound {@code instances}
	 * @param last the index made before, if any
	 * @return the index of {@code instances}
	 */
	static InstanceKeys of(Map<String, Instance> instances, @Nullable InstanceKeys last) {
		return (last != null && last.instances == instances && last.size == instances.size()) ? last
				: new InstanceKeys(instances);
	}

	/**
	 * Finds the overrides of a bean: under its exact name, or else under the first key that differs from it only in
	 * case, dashes and underscores (the forms relaxed binding and environment variables give, such as
	 * {@code demo-provider} for {@code demoProvider}), unless that key is another bean's exact name.
	 * @param beanName a bean name
	 * @param beanNames whether a name is a bean's
	 * @return the bean's overrides, or {@code null} when it has none
	 */
	@Nullable Instance find(String beanName, Predicate<String> beanNames) {
		Instance exact = this.instances.get(beanName);
		if (exact != null) {
			return exact;
		}
		List<String> keys = this.byRelaxedName.get(relaxed(beanName));
		if (keys != null) {
			for (String key : keys) {
				if (!beanNames.test(key)) {
					return this.instances.get(key);
				}
			}
		}
		return null;
	}

	/**
	 * @param name a bean name, or a key of {@code instances}
	 * @return the form in which a key names a bean: without dashes and underscores, in lower case
	 */
	static String relaxed(String name) {
		return name.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
	}

}
