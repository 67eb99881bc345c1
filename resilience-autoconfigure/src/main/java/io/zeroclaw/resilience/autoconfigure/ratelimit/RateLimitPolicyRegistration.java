package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimiter;

/**
 * One rate-limit policy as the application runs it: its quota, the paths it applies to, how clients are keyed, and
 * its limiter.
 *
 * @param policy the quota, whose name is the policy's name
 * @param paths the path patterns the policy applies to (for the default policy, the include paths)
 * @param key how requests are attributed to clients, unless a {@link RateLimitKeyResolver} bean overrides it
 * @param keyHeader the header carrying the client key when {@code key} is {@link KeyType#HEADER}
 * @param limiter the policy's one limiter
 */
public record RateLimitPolicyRegistration(RateLimitPolicy policy, List<String> paths, KeyType key, String keyHeader,
		RateLimiter limiter) {

	public RateLimitPolicyRegistration {
		Objects.requireNonNull(policy, "policy must not be null");
		Objects.requireNonNull(key, "key must not be null");
		Objects.requireNonNull(limiter, "limiter must not be null");
		paths = List.copyOf(paths);
		if (key == KeyType.HEADER && (keyHeader == null || keyHeader.isBlank())) {
			throw new IllegalArgumentException("keyHeader must not be blank when key is HEADER");
		}
	}

	/** @return the policy's name */
	public String name() {
		return this.policy.name();
	}

	/** @return how many keys the limiter tracks in memory, when it tracks them in this JVM */
	public OptionalInt trackedKeys() {
		return (this.limiter instanceof LocalRateLimiter local) ? OptionalInt.of(local.size()) : OptionalInt.empty();
	}

}
