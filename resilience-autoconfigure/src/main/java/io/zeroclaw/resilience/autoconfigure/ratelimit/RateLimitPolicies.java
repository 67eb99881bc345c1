package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * Every rate-limit policy of the application, each with its one limiter: the named policies in declaration order,
 * then the default policy. The rate-limit filter routes requests through them; an actuator endpoint can list them
 * with their quota and current key count.
 */
public final class RateLimitPolicies {

	/** Name of the policy that applies to included paths no named policy claims. */
	public static final String DEFAULT_POLICY = "default";

	private final List<RateLimitPolicyRegistration> named;

	private final RateLimitPolicyRegistration defaultPolicy;

	private final List<String> excludePaths;

	private final Map<String, PolicyOutcomes> outcomes = new LinkedHashMap<>();

	/**
	 * @param named the named policies, in the order they are tried
	 * @param defaultPolicy the policy of included paths no named policy claims ({@value #DEFAULT_POLICY} when made
	 * from properties)
	 * @param excludePaths path patterns never limited, whatever policy claims them
	 */
	public RateLimitPolicies(List<RateLimitPolicyRegistration> named, RateLimitPolicyRegistration defaultPolicy,
			List<String> excludePaths) {
		this.named = List.copyOf(named);
		this.defaultPolicy = defaultPolicy;
		this.excludePaths = List.copyOf(excludePaths);
		List<RateLimitPolicyRegistration> every = new ArrayList<>(this.named);
		every.add(defaultPolicy);
		for (RateLimitPolicyRegistration registration : every) {
			if (this.outcomes.put(registration.name(), new PolicyOutcomes()) != null) {
				throw new IllegalArgumentException("Duplicate rate-limit policy name '" + registration.name() + "'");
			}
		}
	}

	/**
	 * Returns the policies that can limit a request: what the endpoint lists and the metrics count. The default
	 * policy is left out when its {@code include-paths} are empty, the documented way to limit named paths only,
	 * since it then applies to no request.
	 * @return the named policies in the order they are tried, then the default policy unless it has no paths
	 */
	public List<RateLimitPolicyRegistration> all() {
		List<RateLimitPolicyRegistration> all = new ArrayList<>(this.named.size() + 1);
		all.addAll(this.named);
		if (!this.defaultPolicy.paths().isEmpty()) {
			all.add(this.defaultPolicy);
		}
		return all;
	}

	/** @return the named policies, in the order they are tried */
	public List<RateLimitPolicyRegistration> named() {
		return this.named;
	}

	/** @return the policy of included paths that no named policy claims; it applies to none when it has no paths */
	public RateLimitPolicyRegistration defaultPolicy() {
		return this.defaultPolicy;
	}

	/** @return the path patterns never limited */
	public List<String> excludePaths() {
		return this.excludePaths;
	}

	/**
	 * @param name a policy name
	 * @return the policy of that name, if any; the default policy is always found by its name ({@code default} when
	 * made from properties), even when it has no paths
	 */
	public Optional<RateLimitPolicyRegistration> find(String name) {
		if (this.defaultPolicy.name().equals(name)) {
			return Optional.of(this.defaultPolicy);
		}
		return this.named.stream().filter((registration) -> registration.name().equals(name)).findFirst();
	}

	/** Where the filter counts the outcomes of a policy; metrics, when present, are installed into it. */
	@Nullable PolicyOutcomes outcomes(String name) {
		return this.outcomes.get(name);
	}

}
