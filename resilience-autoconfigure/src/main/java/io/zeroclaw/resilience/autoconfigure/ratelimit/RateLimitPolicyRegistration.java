package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;

/**
 * One rate-limit policy as the application runs it: its quota, the paths it applies to, how clients are keyed, and
 * its limiter.
 *
 * @param policy the quota, whose name is the policy's name
 * @param paths the path patterns the policy applies to (for the default policy, the include paths)
 * @param key how requests are attributed to clients, unless a {@link RateLimitKeyResolver} bean overrides it
 * @param keyHeader the header carrying the client key when {@code key} is {@link KeyType#HEADER}
 * @param limiter the policy's one limiter
 * @param methods the HTTP methods the policy applies to, upper case; empty for every method
 */
public record RateLimitPolicyRegistration(RateLimitPolicy policy, List<String> paths, KeyType key,
		@Nullable String keyHeader, RateLimiter limiter, List<String> methods) {

	/** What a structured-field string (RFC 9651) holds: the policy's name in the rate-limit headers. */
	private static final Pattern PRINTABLE_ASCII = Pattern.compile("[\\x20-\\x7E]+");

	/** An HTTP method's name: a token of RFC 9110's characters. */
	private static final Pattern METHOD_TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Z]+");

	/**
	 * Checks the arguments, copies the paths and normalizes the methods. Written out rather than compact so that
	 * {@code methods} may be {@code null} here while {@link #methods()} never is.
	 * @param policy the quota, whose name is the policy's name
	 * @param paths the path patterns the policy applies to
	 * @param key how requests are attributed to clients
	 * @param keyHeader the header carrying the client key; required when {@code key} is {@link KeyType#HEADER}
	 * @param limiter the policy's one limiter
	 * @param methods the HTTP methods the policy applies to, in any case; empty or {@code null} for every method
	 * @throws IllegalArgumentException when the policy's name holds a character other than printable ASCII (a
	 * structured-field string of the rate-limit headers holds no other), or a method is not one HTTP method's name
	 */
	public RateLimitPolicyRegistration(RateLimitPolicy policy, List<String> paths, KeyType key,
			@Nullable String keyHeader, RateLimiter limiter, @Nullable List<String> methods) {
		Objects.requireNonNull(policy, "policy must not be null");
		Objects.requireNonNull(key, "key must not be null");
		Objects.requireNonNull(limiter, "limiter must not be null");
		if (!PRINTABLE_ASCII.matcher(policy.name()).matches()) {
			// the properties are checked at start-up; a policy of the application's own is checked here, where it is
			// made: on the wire a server would send a raw byte or drop the headers of every answer of the policy
			throw new IllegalArgumentException("The policy's name is sent in the RateLimit and RateLimit-Policy "
					+ "headers, which hold printable ASCII only; rename the policy with letters, digits and "
					+ "punctuation, was '" + policy.name() + "'");
		}
		List<String> copiedPaths = List.copyOf(paths);
		if (key == KeyType.HEADER && (keyHeader == null || keyHeader.isBlank())) {
			throw new IllegalArgumentException("keyHeader must not be blank when key is HEADER");
		}
		this.policy = policy;
		this.paths = copiedPaths;
		this.key = key;
		this.keyHeader = keyHeader;
		this.limiter = limiter;
		// as Spring MVC names them: upper case, as in HttpMethod's constants; names are configured in any case
		this.methods = (methods != null) ? normalize(methods) : List.of();
	}

	private static List<String> normalize(List<String> methods) {
		List<String> normalized = new ArrayList<>(methods.size());
		for (String method : methods) {
			if (method == null || method.isBlank()) {
				throw new IllegalArgumentException("methods must not hold a null or blank entry, was " + methods);
			}
			String name = method.strip().toUpperCase(Locale.ROOT);
			if (!METHOD_TOKEN.matcher(name).matches()) {
				// "GET, POST" as one entry would make a policy that applies to no request
				throw new IllegalArgumentException("methods must hold one HTTP method per entry (a token such as GET), "
						+ "was '" + method + "' in " + methods);
			}
			if (!normalized.contains(name)) {
				normalized.add(name);
			}
		}
		return List.copyOf(normalized);
	}

	/**
	 * A registration for every HTTP method.
	 * @param policy the quota, whose name is the policy's name
	 * @param paths the path patterns the policy applies to
	 * @param key how requests are attributed to clients
	 * @param keyHeader the header carrying the client key when {@code key} is {@link KeyType#HEADER}
	 * @param limiter the policy's one limiter
	 */
	public RateLimitPolicyRegistration(RateLimitPolicy policy, List<String> paths, KeyType key,
			@Nullable String keyHeader, RateLimiter limiter) {
		this(policy, paths, key, keyHeader, limiter, List.of());
	}

	/**
	 * Whether the policy applies to a request method. A policy for {@code GET} applies to {@code HEAD} too: Spring MVC
	 * answers a {@code HEAD} request with the {@code GET} handler, so leaving it out would let it run unlimited.
	 * @param method the request's method, as {@code HttpServletRequest.getMethod()} gives it
	 * @return true when the policy has no methods or lists this one
	 */
	public boolean appliesTo(String method) {
		return this.methods.isEmpty() || this.methods.contains(method)
				|| ("HEAD".equals(method) && this.methods.contains("GET"));
	}

	/** @return the policy's name */
	public String name() {
		return this.policy.name();
	}

	/**
	 * Counts the keys the limiter tracks in memory, having first let it forget those gone idle (at most once a second),
	 * so that the count follows the clients that are still active rather than the most there ever were (after a peak
	 * of more than about 100 000 keys, down to a quarter of that peak: see {@link LocalRateLimiter#forgetIdleKeys()}).
	 * @return how many keys the limiter tracks in memory, when it tracks them in this JVM
	 */
	public OptionalInt trackedKeys() {
		if (this.limiter instanceof LocalRateLimiter local) {
			local.forgetIdleKeys();
			return OptionalInt.of(local.size());
		}
		return OptionalInt.empty();
	}

}
