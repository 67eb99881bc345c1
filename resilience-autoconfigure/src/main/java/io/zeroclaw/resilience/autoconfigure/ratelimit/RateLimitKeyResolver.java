package io.zeroclaw.resilience.autoconfigure.ratelimit;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Attributes a rate-limited request to a client, in place of the configured {@code key} type. Define one bean of this
 * type to key every policy your own way, for example by tenant. The resolver runs in the rate-limit filter, on every
 * limited request, so it should be cheap and must be thread-safe. An exception it throws (a checked one too) lets the
 * request through unlimited, counted as an error of the policy and logged at WARN at most once a minute; an
 * {@link Error} is not caught, and fails the request.
 */
@FunctionalInterface
public interface RateLimitKeyResolver {

	/**
	 * Returned by a resolver, this very instance (compared by identity, so that no header value or user name equal to
	 * it can stand in for it) exempts the request from the policy: it goes on unlimited, uncounted and without rate-limit
	 * headers. For callers the application trusts, such as another service of its own.
	 */
	String UNLIMITED = new String("zeroclaw:unlimited");

	/**
	 * Returns the key whose bucket the request draws from.
	 * @param request the request being limited
	 * @param policyName the name of the policy that applies, {@code "default"} for the default policy
	 * <p>
	 * The key is used as it is, in the same buckets as the fallback to the address: give a key the client can choose
	 * (a header's value, a claim it signs itself) a prefix of your own, such as {@code "tenant:" + value}, as the
	 * starter's own header and principal keys carry one, or a client that sends another's address as its value spends
	 * that address's tokens. A prefix with a colon also keeps the key from any address: forwarded text with a colon
	 * is keyed behind {@code address:}.
	 * @return the client key; {@code null} or empty to fall back to the client address; {@link #UNLIMITED} to exempt
	 * the request
	 */
	@Nullable String resolve(HttpServletRequest request, String policyName);

}
