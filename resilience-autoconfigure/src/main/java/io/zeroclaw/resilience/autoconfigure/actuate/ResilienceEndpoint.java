package io.zeroclaw.resilience.autoconfigure.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitKeyResolver;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicyRegistration;
import io.zeroclaw.resilience.autoconfigure.web.RetryAfter;
import io.zeroclaw.resilience.backpressure.BackpressureConfig;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code resilience} endpoint: what each protection is doing now. {@code GET /actuator/resilience} shows the
 * rate-limit policies with their quota and tracked keys, every circuit breaker's state, and the backpressure depth
 * against its thresholds; a breaker is forced through {@link ResilienceEndpointWebExtension}.
 */
@Endpoint(id = "resilience")
public class ResilienceEndpoint {

	/** The web extension's category, where forcing a breaker was always logged, over HTTP and now over JMX too. */
	private static final Logger logger = LoggerFactory.getLogger(ResilienceEndpointWebExtension.class);

	/** The most characters of a value a client sent that an answer quotes back. */
	private static final int MAX_QUOTED = 64;

	/** By name: the class needs Lettuce, which an application on the memory store may not have. It is final. */
	private static final String REDIS_LIMITER = "io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter";

	private final ResilienceProperties properties;

	private final ObjectProvider<RateLimitPolicies> policies;

	private final ObjectProvider<CircuitBreakerRegistry> breakers;

	private final ObjectProvider<BackpressureController> backpressure;

	private final ObjectProvider<RateLimitKeyResolver> keyResolver;

	private final BooleanSupplier filtered;

	/**
	 * @param properties the bound properties
	 * @param policies the rate-limit policies, when rate limiting is on
	 * @param keyResolver the application's key resolver, if any: it keys every policy in place of its key type
	 * @param breakers the circuit breakers, when they are on
	 * @param backpressure the backpressure controller, when it is on
	 */
	public ResilienceEndpoint(ResilienceProperties properties, ObjectProvider<RateLimitPolicies> policies,
			ObjectProvider<RateLimitKeyResolver> keyResolver, ObjectProvider<CircuitBreakerRegistry> breakers,
			ObjectProvider<BackpressureController> backpressure) {
		this(properties, policies, keyResolver, breakers, backpressure, () -> policies.getIfAvailable() != null);
	}

	/**
	 * @param properties the bound properties
	 * @param policies the rate-limit policies, when rate limiting is on
	 * @param keyResolver the application's key resolver, if any: it keys every policy in place of its key type
	 * @param breakers the circuit breakers, when they are on
	 * @param backpressure the backpressure controller, when it is on
	 * @param filtered whether the starter's servlet filter applies the policies to HTTP requests (outside a servlet
	 * web application the policies exist for the application's own calls only)
	 */
	public ResilienceEndpoint(ResilienceProperties properties, ObjectProvider<RateLimitPolicies> policies,
			ObjectProvider<RateLimitKeyResolver> keyResolver, ObjectProvider<CircuitBreakerRegistry> breakers,
			ObjectProvider<BackpressureController> backpressure, BooleanSupplier filtered) {
		this.properties = properties;
		this.policies = policies;
		this.keyResolver = keyResolver;
		this.breakers = breakers;
		this.backpressure = backpressure;
		this.filtered = filtered;
	}

	@ReadOperation
	public ResilienceDescriptor resilience() {
		return new ResilienceDescriptor(rateLimit(), circuitBreakers(), backpressure());
	}

	@ReadOperation
	public @Nullable BreakerDescriptor breaker(@Selector String breakerName) {
		return findBreaker(breakerName).map(BreakerDescriptor::of).orElse(null);
	}

	/**
	 * Forces a breaker into a state, where the endpoint is reached without its web extension (over JMX); over HTTP the
	 * web extension's operation answers, with problem bodies.
	 * @param breakerName the breaker
	 * @param state {@code OPEN} or {@code CLOSED}, in any case
	 * @return the breaker as it is now
	 * @throws IllegalArgumentException naming the breaker or the state, when there is no such breaker or state
	 */
	@WriteOperation
	public BreakerDescriptor forceState(@Selector String breakerName, String state) {
		CircuitBreaker breaker = findBreaker(breakerName).orElseThrow(() -> new IllegalArgumentException(
				"There is no circuit breaker named '" + shortened(breakerName) + "'."));
		if (!force(breaker, state)) {
			throw new IllegalArgumentException("The state must be OPEN or CLOSED, not '" + shortened(state) + "'.");
		}
		return BreakerDescriptor.of(breaker);
	}

	/**
	 * Forces the breaker {@code OPEN} or {@code CLOSED} (in any case), logged; any other state changes nothing.
	 * @return whether the state was one of the two
	 */
	static boolean force(CircuitBreaker breaker, String state) {
		String target = state.trim().toUpperCase(Locale.ROOT);
		if (!target.equals("OPEN") && !target.equals("CLOSED")) {
			return false;
		}
		// said before the transition, so that the breaker's own log line that follows reads as its effect
		logger.info("Circuit breaker '{}' is being forced {} through the resilience endpoint", breaker.name(), target);
		if (target.equals("OPEN")) {
			breaker.transitionToOpen();
		}
		else {
			breaker.transitionToClosed();
		}
		return true;
	}

	/** A value to quote in an answer, cut short: a client must not get back whatever it sent. */
	static String shortened(String value) {
		return (value.length() <= MAX_QUOTED) ? value : value.substring(0, MAX_QUOTED) + "...";
	}

	Optional<CircuitBreaker> findBreaker(String name) {
		CircuitBreakerRegistry registry = this.breakers.getIfAvailable();
		return (registry != null) ? registry.find(name) : Optional.empty();
	}

	private RateLimitDescriptor rateLimit() {
		ResilienceProperties.RateLimit rateLimit = this.properties.getRateLimit();
		Map<String, PolicyDescriptor> descriptors = new LinkedHashMap<>();
		RateLimitPolicies registered = this.policies.getIfAvailable();
		if (registered != null) {
			// the filter's resolver: the one bean, or the primary of several (without one, start-up has failed)
			boolean resolved = this.keyResolver.getIfUnique() != null;
			for (RateLimitPolicyRegistration registration : registered.all()) {
				descriptors.put(registration.name(), PolicyDescriptor.of(registration, resolved));
			}
		}
		// On when its policies exist, whatever the property says now: an application processed ahead of time keeps
		// the features it was built with, and the store it was built with.
		String store = (registered != null) ? store(registered)
				: rateLimit.getStore().name().toLowerCase(Locale.ROOT);
		// the paths in effect: the default list follows Actuator and the health groups, which configprops does not show
		List<String> excludePaths = (registered != null) ? registered.excludePaths() : rateLimit.getExcludePaths();
		boolean answering = registered == null || every(registered).stream()
			.map(RateLimitPolicyRegistration::limiter)
			.filter((limiter) -> storeOf(limiter).equals("redis"))
			.allMatch(RedisLimiters::answering);
		return new RateLimitDescriptor(registered != null, registered != null && this.filtered.getAsBoolean(), store,
				answering, excludePaths, descriptors);
	}

	/**
	 * Where the running limiters keep their buckets, read from the limiters rather than the property, which under
	 * ahead-of-time processing may have changed since the build.
	 * @return {@code memory} or {@code redis} when every limiter is the in-memory or the Redis one, else
	 * {@value RateLimitDescriptor#CUSTOM_STORE} (limiters of an application's own, or of several stores)
	 */
	private static String store(RateLimitPolicies policies) {
		String store = null;
		for (RateLimitPolicyRegistration registration : every(policies)) {
			String own = storeOf(registration.limiter());
			if (store != null && !store.equals(own)) {
				return RateLimitDescriptor.CUSTOM_STORE;
			}
			store = own;
		}
		return store;
	}

	private static List<RateLimitPolicyRegistration> every(RateLimitPolicies policies) {
		List<RateLimitPolicyRegistration> every = new ArrayList<>(policies.named());
		every.add(policies.defaultPolicy());
		return every;
	}

	private static String storeOf(RateLimiter limiter) {
		if (limiter instanceof LocalRateLimiter) {
			return "memory";
		}
		if (limiter.getClass().getName().equals(REDIS_LIMITER)) {
			return "redis";
		}
		return RateLimitDescriptor.CUSTOM_STORE;
	}

	private Map<String, BreakerDescriptor> circuitBreakers() {
		Map<String, BreakerDescriptor> descriptors = new LinkedHashMap<>();
		CircuitBreakerRegistry registry = this.breakers.getIfAvailable();
		if (registry != null) {
			registry.breakers()
				.values()
				.stream()
				.sorted((a, b) -> a.name().compareTo(b.name()))
				.forEach((breaker) -> descriptors.put(breaker.name(), BreakerDescriptor.of(breaker)));
		}
		return descriptors;
	}

	private BackpressureDescriptor backpressure() {
		BackpressureController controller = this.backpressure.getIfAvailable();
		if (controller == null) {
			return new BackpressureDescriptor(false, 0, 0, true, Map.of(), Map.of());
		}
		BackpressureConfig config = controller.config();
		Map<String, Double> thresholds = new LinkedHashMap<>();
		thresholds.put("background", config.backgroundShedThreshold());
		thresholds.put("low", config.lowShedThreshold());
		thresholds.put("normal", config.normalShedThreshold());
		thresholds.put("high", config.highShedThreshold());
		Map<String, Integer> limits = new LinkedHashMap<>();
		for (Priority priority : Priority.values()) {
			limits.put(priority.name(), controller.limit(priority));
		}
		return new BackpressureDescriptor(true, controller.depth(), controller.maxQueueDepth(),
				controller.isAccepting(), thresholds, limits);
	}

	/** The whole view. */
	public record ResilienceDescriptor(RateLimitDescriptor rateLimit, Map<String, BreakerDescriptor> circuitBreakers,
			BackpressureDescriptor backpressure) implements OperationResponseBody {

	}

	/**
	 * Rate limiting: whether it is on, whether the starter's filter applies it to HTTP requests ({@code false}
	 * outside a servlet web application, where nothing is limited but what the application asks of the policies
	 * itself), where buckets live, whether that store made every policy's latest decision ({@code false} while Redis
	 * does not answer some policy's requests, which then follow {@code on-failure}; always {@code true} in memory), the
	 * paths no policy limits (as in effect, the default list worked out from where
	 * Actuator and the health groups answer), and each policy in matching order.
	 */
	public record RateLimitDescriptor(boolean enabled, boolean filter, String store, boolean storeAnswering,
			List<String> excludePaths, Map<String, PolicyDescriptor> policies) {

		/** The {@code store} shown when the limiters are another {@code RateLimiter} implementation, or mixed. */
		public static final String CUSTOM_STORE = "custom";

	}

	/**
	 * One rate-limit policy. {@code window} is the policy's window as an ISO-8601 duration, exactly as configured;
	 * {@code windowSeconds} is the same window in whole seconds, rounded up, as {@code RateLimit-Policy} has to state
	 * it, so that a window of {@code 100ms} reads {@code PT0.1S} and 1. {@code methods} is empty when the policy
	 * applies to every method; {@code keys} is -1 when the keys are not tracked in this JVM (a shared store).
	 */
	public record PolicyDescriptor(long requestsPerWindow, String window, long windowSeconds, long burst, long capacity,
			List<String> paths, List<String> methods, String key, long keys) {

		/** The {@code key} shown for every policy when a {@code RateLimitKeyResolver} bean keys the requests. */
		public static final String RESOLVER_KEY = "resolver";

		/** The key type the filter applies: {@value #RESOLVER_KEY} when the application's resolver keys requests. */
		static PolicyDescriptor of(RateLimitPolicyRegistration registration, boolean resolved) {
			String key = resolved ? RESOLVER_KEY : registration.key().name().toLowerCase(Locale.ROOT);
			return new PolicyDescriptor(registration.policy().requestsPerWindow(),
					registration.policy().window().toString(), RetryAfter.ceilSeconds(registration.policy().window()),
					registration.policy().burst(),
					registration.policy().capacity(), registration.paths(), registration.methods(), key,
					registration.trackedKeys().orElse(-1));
		}


	}

	/** One circuit breaker. */
	public record BreakerDescriptor(CircuitState state, int consecutiveFailures, long retryAfterSeconds,
			int failureThreshold, long recoveryTimeoutSeconds, int halfOpenMaxRequests)
			implements OperationResponseBody {

		static BreakerDescriptor of(CircuitBreaker breaker) {
			CircuitBreaker.Snapshot now = breaker.snapshot();
			return new BreakerDescriptor(now.state(), now.consecutiveFailures(),
					RetryAfter.ceilSeconds(now.retryAfter()), breaker.config().failureThreshold(),
					RetryAfter.ceilSeconds(breaker.config().recoveryTimeout()), breaker.config().halfOpenMaxRequests());
		}

	}

	/** Backpressure: the depth against the maximum and the per-priority thresholds and admission limits. */
	public record BackpressureDescriptor(boolean enabled, int depth, int maxQueueDepth, boolean accepting,
			Map<String, Double> shedThresholds, Map<String, Integer> limits) {

	}

	/**
	 * Asks a Redis store's limiter how it fares. A class of its own, used only once a limiter of that class exists:
	 * it names the class, which needs Lettuce.
	 */
	private static final class RedisLimiters {

		static boolean answering(RateLimiter limiter) {
			return ((RedisRateLimiter) limiter).isAnswering();
		}

	}

}
