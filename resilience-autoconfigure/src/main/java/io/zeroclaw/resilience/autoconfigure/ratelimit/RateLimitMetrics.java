package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.SharedGauges;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Publishes the rate limiter's meters once every singleton exists, if a {@link MeterRegistry} does:
 * {@code zeroclaw.resilience.ratelimit.requests{policy,outcome}} counters, registered up front for every policy and
 * outcome so that the filter never looks a meter up, and the {@code zeroclaw.resilience.ratelimit.keys{policy}}
 * gauge of keys tracked in memory.
 */
public final class RateLimitMetrics implements SmartInitializingSingleton, DisposableBean {

	/** Counter of rate-limit decisions, tagged {@code policy} and {@code outcome}. */
	public static final String REQUESTS = "zeroclaw.resilience.ratelimit.requests";

	/** Gauge of the keys a policy tracks in memory, tagged {@code policy}. */
	public static final String KEYS = "zeroclaw.resilience.ratelimit.keys";

	private final RateLimitPolicies policies;

	private final ObjectProvider<MeterRegistry> meterRegistry;

	/** The gauges this context registered, and where: they read its limiters. */
	private final List<Meter> gauges = new CopyOnWriteArrayList<>();

	private volatile @Nullable MeterRegistry boundRegistry;

	RateLimitMetrics(RateLimitPolicies policies, ObjectProvider<MeterRegistry> meterRegistry) {
		this.policies = policies;
		this.meterRegistry = meterRegistry;
	}

	@Override
	public void afterSingletonsInstantiated() {
		MeterRegistry registry = this.meterRegistry.getIfAvailable();
		if (registry != null) {
			bindTo(registry);
		}
	}

	void bindTo(MeterRegistry registry) {
		this.boundRegistry = registry;
		for (RateLimitPolicyRegistration registration : this.policies.all()) {
			String policy = registration.name();
			PolicyOutcomes outcomes = this.policies.outcomes(policy);
			if (outcomes != null) {
				outcomes.install(new MeterRecorder(counter(registry, policy, "allowed"),
						counter(registry, policy, "rejected"), counter(registry, policy, "error")));
			}
			// A policy on a shared store keeps its keys there, not here: no gauge rather than a NaN one.
			if (registration.trackedKeys().isPresent()) {
				Gauge gauge = SharedGauges.registerOwned(registry,
						Gauge.builder(KEYS, registration, (tracked) -> tracked.trackedKeys().orElse(0))
							.description("Keys a rate-limit policy tracks in memory")
							.tag("policy", policy)
							.strongReference(true));
				if (gauge != null) {
					this.gauges.add(gauge);
				}
			}
		}
	}

	/**
	 * Removes this context's gauges, which read its limiters: a registry that outlives the context (one shared by
	 * several contexts) would otherwise report them, and keep them alive, after the context closed.
	 */
	@Override
	public void destroy() {
		MeterRegistry registry = this.boundRegistry;
		if (registry != null) {
			this.gauges.forEach(registry::remove);
		}
	}

	/** The requests counter of one policy and outcome; the Redis store's error listener counts on the same one. */
	static Counter counter(MeterRegistry registry, String policy, String outcome) {
		return Counter.builder(REQUESTS)
			.description("Requests decided by a rate-limit policy, by outcome")
			.tag("policy", policy)
			.tag("outcome", outcome)
			.register(registry);
	}

	private record MeterRecorder(Counter allowedCounter, Counter rejectedCounter,
			Counter errorCounter) implements PolicyOutcomes.Recorder {

		@Override
		public void allowed() {
			this.allowedCounter.increment();
		}

		@Override
		public void rejected() {
			this.rejectedCounter.increment();
		}

		@Override
		public void error() {
			this.errorCounter.increment();
		}

	}

}
