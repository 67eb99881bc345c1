package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Configuration of the three protections, bound from {@code zeroclaw.resilience.*}. Every feature is off until its
 * {@code enabled} flag is set. Values are checked by {@link ResiliencePropertiesValidator} when a feature is enabled,
 * so that a degenerate setting stops start-up with a message naming the property.
 */
@ConfigurationProperties(prefix = "zeroclaw.resilience", ignoreUnknownFields = false)
public class ResilienceProperties implements InitializingBean, BeanClassLoaderAware, EnvironmentAware {

	private ClassLoader classLoader = ResilienceProperties.class.getClassLoader();

	private @Nullable Environment environment;

	/** Per-key HTTP rate limiting. */
	private final RateLimit rateLimit = new RateLimit();

	/** Circuit breakers around provider beans. */
	private final CircuitBreaker circuitBreaker = new CircuitBreaker();

	/** Priority load shedding. */
	private final Backpressure backpressure = new Backpressure();

	@Override
	public void setBeanClassLoader(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	/**
	 * Checks the values of every enabled feature once they are bound, so that any bean that reads them sees valid
	 * values and a degenerate one stops start-up with a report naming the property. A policy that relaxed binding
	 * bound under two keys (declared {@code public-api}, overridden by an environment variable as {@code publicapi})
	 * is first kept under its declared name only, and the policies are put in the order the configuration declares
	 * them, whichever source overrides one.
	 */
	@Override
	public void afterPropertiesSet() {
		Map<String, Policy> policies = this.rateLimit.getPolicies();
		policies = ResiliencePropertiesValidator.collapseRelaxedPolicyNames(policies);
		this.rateLimit.setPolicies(ResiliencePropertiesValidator.inDeclarationOrder(policies, this.environment));
		ResiliencePropertiesValidator.validate(this, this.classLoader, this.environment);
	}

	public RateLimit getRateLimit() {
		return this.rateLimit;
	}

	public CircuitBreaker getCircuitBreaker() {
		return this.circuitBreaker;
	}

	public Backpressure getBackpressure() {
		return this.backpressure;
	}

	/** How a rate-limited request is attributed to a client. */
	public enum KeyType {

		/** The client address, {@code HttpServletRequest.getRemoteAddr()}. */
		IP,

		/** The value of a request header; requests without it fall back to the client address. */
		HEADER,

		/** The authenticated principal's name; anonymous requests fall back to the client address. */
		PRINCIPAL

	}

	/** Where rate-limit buckets live. */
	public enum Store {

		/** In this JVM's memory: each instance enforces its own quota. */
		MEMORY,

		/** In Redis: one quota shared by every instance. */
		REDIS

	}

	/** What a Redis-backed limiter does when Redis does not answer in time. */
	public enum OnFailure {

		/** Decide with the in-memory limiter of the same policy. */
		LOCAL,

		/** Let the request through. */
		ALLOW,

		/** Refuse the request with 503 Service Unavailable. */
		DENY

	}

	public static class RateLimit {

		/** Whether to rate-limit HTTP requests with a servlet filter. */
		private boolean enabled = false;

		/** Requests each key may make per window, the refill rate of its bucket. */
		private long requestsPerWindow = 60;

		/** Length of the window over which requests-per-window refill; a bare number is seconds. */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration window = Duration.ofMinutes(1);

		/** Extra requests a key may make at once above requests-per-window; the bucket holds both. */
		private long burst = 10;

		/** Most keys tracked per policy; newcomers beyond it share one overflow bucket. */
		private int maxKeys = 10000;

		/** How a request is attributed to a client: ip, header or principal. */
		private KeyType key = KeyType.IP;

		/** Request header that carries the client key when key is 'header'. */
		private String keyHeader = "X-API-Key";

		/**
		 * Leading bits of an IPv6 client address that name one client, 1 to 128: a subscriber or host commonly has a
		 * whole /64, whose every address would otherwise be a fresh bucket. 128 keys each address on its own; IPv4
		 * addresses are always keyed whole.
		 */
		private int ipv6PrefixLength = 64;

		/** Path patterns of the requests the default policy limits; named policies apply to their own paths. */
		private List<String> includePaths = new ArrayList<>(List.of("/**"));

		/**
		 * Path patterns of the requests never limited, by any policy. The default follows Actuator's base path and adds
		 * the health groups' additional paths on the main server (the probes' /livez and /readyz); a list set here
		 * replaces it whole.
		 */
		private List<String> excludePaths = new ArrayList<>(List.of("/actuator/**"));

		/** Whether to send the RateLimit and RateLimit-Policy headers on allowed responses; a 429 always has them. */
		private boolean headers = true;

		/**
		 * Order of the rate-limit filter, for every policy. By default it runs before Spring Security for 'ip' and
		 * 'header' keys and after it for 'principal', with a filter on each side when policies of both kinds apply.
		 */
		private @Nullable Integer filterOrder;

		/**
		 * Named policies for their own paths, tried in declaration order before the default policy. Each has paths,
		 * methods (empty for every method), requests-per-window, window, burst, key and key-header; a field left unset
		 * takes the value set above.
		 */
		private Map<String, Policy> policies = new LinkedHashMap<>();

		/** Where buckets live: memory or redis. */
		private Store store = Store.MEMORY;

		/** Redis store settings. */
		private final Redis redis = new Redis();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public long getRequestsPerWindow() {
			return this.requestsPerWindow;
		}

		public void setRequestsPerWindow(long requestsPerWindow) {
			this.requestsPerWindow = requestsPerWindow;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public long getBurst() {
			return this.burst;
		}

		public void setBurst(long burst) {
			this.burst = burst;
		}

		public int getMaxKeys() {
			return this.maxKeys;
		}

		public void setMaxKeys(int maxKeys) {
			this.maxKeys = maxKeys;
		}

		public KeyType getKey() {
			return this.key;
		}

		public void setKey(KeyType key) {
			this.key = key;
		}

		public String getKeyHeader() {
			return this.keyHeader;
		}

		public void setKeyHeader(String keyHeader) {
			this.keyHeader = keyHeader;
		}

		public int getIpv6PrefixLength() {
			return this.ipv6PrefixLength;
		}

		public void setIpv6PrefixLength(int ipv6PrefixLength) {
			this.ipv6PrefixLength = ipv6PrefixLength;
		}

		public List<String> getIncludePaths() {
			return this.includePaths;
		}

		public void setIncludePaths(List<String> includePaths) {
			this.includePaths = includePaths;
		}

		public List<String> getExcludePaths() {
			return this.excludePaths;
		}

		public void setExcludePaths(List<String> excludePaths) {
			this.excludePaths = excludePaths;
		}

		public boolean isHeaders() {
			return this.headers;
		}

		public void setHeaders(boolean headers) {
			this.headers = headers;
		}

		public @Nullable Integer getFilterOrder() {
			return this.filterOrder;
		}

		public void setFilterOrder(@Nullable Integer filterOrder) {
			this.filterOrder = filterOrder;
		}

		public Map<String, Policy> getPolicies() {
			return this.policies;
		}

		public void setPolicies(Map<String, Policy> policies) {
			this.policies = policies;
		}

		public Store getStore() {
			return this.store;
		}

		public void setStore(Store store) {
			this.store = store;
		}

		public Redis getRedis() {
			return this.redis;
		}

	}

	/** A named rate-limit policy; every unset field falls back to the top-level rate-limit value. */
	public static class Policy {

		/** Path patterns this policy applies to. */
		private List<String> paths = new ArrayList<>();

		/**
		 * HTTP methods this policy applies to, such as [POST]; empty for every method. GET includes HEAD. A request
		 * with another method goes on to the next policy whose paths match, then to the default policy.
		 */
		private List<String> methods = new ArrayList<>();

		/** Requests each key may make per window under this policy. */
		private @Nullable Long requestsPerWindow;

		/** Window of this policy; a bare number is seconds. */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration window;

		/** Burst of this policy. */
		private @Nullable Long burst;

		/** Key type of this policy: ip, header or principal. */
		private @Nullable KeyType key;

		/** Header carrying the client key when this policy's key is 'header'. */
		private @Nullable String keyHeader;

		public List<String> getPaths() {
			return this.paths;
		}

		public void setPaths(List<String> paths) {
			this.paths = paths;
		}

		public List<String> getMethods() {
			return this.methods;
		}

		public void setMethods(List<String> methods) {
			this.methods = methods;
		}

		public @Nullable Long getRequestsPerWindow() {
			return this.requestsPerWindow;
		}

		public void setRequestsPerWindow(@Nullable Long requestsPerWindow) {
			this.requestsPerWindow = requestsPerWindow;
		}

		public @Nullable Duration getWindow() {
			return this.window;
		}

		public void setWindow(@Nullable Duration window) {
			this.window = window;
		}

		public @Nullable Long getBurst() {
			return this.burst;
		}

		public void setBurst(@Nullable Long burst) {
			this.burst = burst;
		}

		public @Nullable KeyType getKey() {
			return this.key;
		}

		public void setKey(@Nullable KeyType key) {
			this.key = key;
		}

		public @Nullable String getKeyHeader() {
			return this.keyHeader;
		}

		public void setKeyHeader(@Nullable String keyHeader) {
			this.keyHeader = keyHeader;
		}

	}

	public static class Redis {

		/** Prefix of every Redis key the limiter writes; each application sharing a Redis needs its own. */
		private String keyPrefix = "zeroclaw:rl:";

		/** Longest a decision waits for Redis before the on-failure policy applies. A bare number is milliseconds. */
		private Duration timeout = Duration.ofMillis(50);

		/** What to do when Redis fails or is slow: local, allow or deny. */
		private OnFailure onFailure = OnFailure.LOCAL;

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public OnFailure getOnFailure() {
			return this.onFailure;
		}

		public void setOnFailure(OnFailure onFailure) {
			this.onFailure = onFailure;
		}

	}

	public static class CircuitBreaker {

		/** Whether to wrap every Provider bean and Spring AI model in a circuit breaker. */
		private boolean enabled = false;

		/** Consecutive failures that open a breaker. */
		private int failureThreshold = 5;

		/** How long an open breaker rejects calls before it lets a probe through; a bare number is seconds. */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration recoveryTimeout = Duration.ofSeconds(30);

		/**
		 * Probes allowed per half-open period (one that ends ignored, say cancelled, gives its place to another); all
		 * must succeed to close the breaker.
		 */
		private int halfOpenMaxRequests = 1;

		/**
		 * Fully qualified names of exceptions that count neither as failures nor as successes: the exception thrown or
		 * the one a CompletionException, ExecutionException or a proxy's wrapper carries, and their subclasses.
		 */
		private List<String> ignoreExceptions = new ArrayList<>();

		/** Whether an open breaker reports the application's health as DOWN. */
		private boolean healthDownWhenOpen = false;

		/**
		 * Per-bean overrides, keyed by bean name: enabled, failure-threshold, recovery-timeout and
		 * half-open-max-requests; a field left unset takes the value set above.
		 */
		private Map<String, Instance> instances = new LinkedHashMap<>();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getFailureThreshold() {
			return this.failureThreshold;
		}

		public void setFailureThreshold(int failureThreshold) {
			this.failureThreshold = failureThreshold;
		}

		public Duration getRecoveryTimeout() {
			return this.recoveryTimeout;
		}

		public void setRecoveryTimeout(Duration recoveryTimeout) {
			this.recoveryTimeout = recoveryTimeout;
		}

		public int getHalfOpenMaxRequests() {
			return this.halfOpenMaxRequests;
		}

		public void setHalfOpenMaxRequests(int halfOpenMaxRequests) {
			this.halfOpenMaxRequests = halfOpenMaxRequests;
		}

		public List<String> getIgnoreExceptions() {
			return this.ignoreExceptions;
		}

		public void setIgnoreExceptions(List<String> ignoreExceptions) {
			this.ignoreExceptions = ignoreExceptions;
		}

		public boolean isHealthDownWhenOpen() {
			return this.healthDownWhenOpen;
		}

		public void setHealthDownWhenOpen(boolean healthDownWhenOpen) {
			this.healthDownWhenOpen = healthDownWhenOpen;
		}

		/**
		 * The per-bean overrides. Breakers find a bean's entry through an index of these keys, made when they first
		 * look and made again when this map is replaced: to change the overrides for beans created later, set a new
		 * map with {@link #setInstances(Map)}, as Spring Boot's binding does. A key added to this very map in place of
		 * another may go unseen.
		 * @return the overrides, keyed by bean name
		 */
		public Map<String, Instance> getInstances() {
			return this.instances;
		}

		public void setInstances(Map<String, Instance> instances) {
			this.instances = instances;
		}

	}

	/** Overrides for one bean's breaker; every unset field falls back to the circuit-breaker defaults. */
	public static class Instance {

		/** Whether this bean gets a breaker at all. */
		private @Nullable Boolean enabled;

		/** Consecutive failures that open this bean's breaker. */
		private @Nullable Integer failureThreshold;

		/** Recovery timeout of this bean's breaker; a bare number is seconds. */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration recoveryTimeout;

		/** Half-open probes of this bean's breaker. */
		private @Nullable Integer halfOpenMaxRequests;

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Integer getFailureThreshold() {
			return this.failureThreshold;
		}

		public void setFailureThreshold(@Nullable Integer failureThreshold) {
			this.failureThreshold = failureThreshold;
		}

		public @Nullable Duration getRecoveryTimeout() {
			return this.recoveryTimeout;
		}

		public void setRecoveryTimeout(@Nullable Duration recoveryTimeout) {
			this.recoveryTimeout = recoveryTimeout;
		}

		public @Nullable Integer getHalfOpenMaxRequests() {
			return this.halfOpenMaxRequests;
		}

		public void setHalfOpenMaxRequests(@Nullable Integer halfOpenMaxRequests) {
			this.halfOpenMaxRequests = halfOpenMaxRequests;
		}

	}

	public static class Backpressure {

		/** Whether to admit @Prioritized work through the backpressure controller. */
		private boolean enabled = false;

		/** Most admitted, unfinished pieces of work; at this depth only CRITICAL work gets in. */
		private int maxQueueDepth = 1000;

		/** Fill ratios (depth / max-queue-depth) at which each priority starts being shed. */
		private final ShedThresholds shedThresholds = new ShedThresholds();

		/**
		 * How long closing the application waits for admitted work to finish;
		 * spring.lifecycle.timeout-per-shutdown-phase bounds the wait too, so raise both. A bare number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration gracefulShutdownTimeout = Duration.ofSeconds(30);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxQueueDepth() {
			return this.maxQueueDepth;
		}

		public void setMaxQueueDepth(int maxQueueDepth) {
			this.maxQueueDepth = maxQueueDepth;
		}

		public ShedThresholds getShedThresholds() {
			return this.shedThresholds;
		}

		public Duration getGracefulShutdownTimeout() {
			return this.gracefulShutdownTimeout;
		}

		public void setGracefulShutdownTimeout(Duration gracefulShutdownTimeout) {
			this.gracefulShutdownTimeout = gracefulShutdownTimeout;
		}

	}

	public static class ShedThresholds {

		/** Fill ratio at which BACKGROUND work is shed. */
		private double background = 0.5;

		/** Fill ratio at which LOW work is shed. */
		private double low = 0.7;

		/** Fill ratio at which NORMAL work is shed. */
		private double normal = 0.85;

		/** Fill ratio at which HIGH work is shed. */
		private double high = 0.95;

		public double getBackground() {
			return this.background;
		}

		public void setBackground(double background) {
			this.background = background;
		}

		public double getLow() {
			return this.low;
		}

		public void setLow(double low) {
			this.low = low;
		}

		public double getNormal() {
			return this.normal;
		}

		public void setNormal(double normal) {
			this.normal = normal;
		}

		public double getHigh() {
			return this.high;
		}

		public void setHigh(double high) {
			this.high = high;
		}

	}

}
