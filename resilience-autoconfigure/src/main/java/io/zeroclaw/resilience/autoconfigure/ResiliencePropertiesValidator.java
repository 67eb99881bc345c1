package io.zeroclaw.resilience.autoconfigure;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Backpressure;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.CircuitBreaker;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Instance;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Policy;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.RateLimit;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.ShedThresholds;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Store;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Checks the bound properties of every enabled feature and throws {@link InvalidResiliencePropertyException} for the
 * first degenerate value. A disabled feature, or a breaker instance with {@code enabled: false}, is not checked: its
 * values are never used.
 */
final class ResiliencePropertiesValidator {

	static final String PREFIX = "zeroclaw.resilience.";

	private static final Pattern DIGITS = Pattern.compile("\\d+");

	/** Exceptions that carry another, which the breaker tests instead; never a failure of their own. */
	private static final Set<String> CARRIERS = Set.of("java.util.concurrent.CompletionException",
			"java.util.concurrent.ExecutionException", "java.lang.reflect.UndeclaredThrowableException",
			"java.lang.reflect.InvocationTargetException");

	/** A header field name: an RFC 9110 token. */
	private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

	/**
	 * An HTTP method as applications name them: letters, and digits, {@code -} or {@code _} after the first. Narrower
	 * than the token grammar on purpose, so that {@code *} (which would match no request) is refused.
	 */
	private static final Pattern HTTP_METHOD = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");

	/** The methods of HTTP itself (RFC 9110, PATCH, QUERY) and of WebDAV: anything else is more likely a typo. */
	private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
			"OPTIONS", "TRACE", "PATCH", "QUERY", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
			"SEARCH", "REPORT");

	private static final Logger logger = LoggerFactory.getLogger(ResiliencePropertiesValidator.class);

	/** What a structured-field string (RFC 8941), such as a policy name in the RateLimit headers, may hold. */
	private static final Pattern PRINTABLE_ASCII = Pattern.compile("[\\x20-\\x7E]+");

	/**
	 * Fifty years, in microseconds: the longest an empty bucket may take to refill. The in-memory store refuses spans
	 * beyond about 73 years and the Redis store beyond about 126; no quota that is meant to refill needs more.
	 */
	private static final BigInteger MAX_REFILL_MICROS = BigInteger.valueOf(Duration.ofDays(18_262).toNanos() / 1000);

	/**
	 * The largest capacity: the largest integer of an RFC 8941 structured field, as the RateLimit headers carry it, and
	 * exact in every store (the Redis one keeps numbers below 2^53).
	 */
	private static final long MAX_CAPACITY = 999_999_999_999_999L;

	/** The longest a request may wait for Redis's decision. */
	private static final Duration MAX_REDIS_TIMEOUT = Duration.ofMinutes(1);

	private static final String REDIS_CONNECTION_FACTORY = "org.springframework.data.redis.connection.RedisConnectionFactory";

	private static final String LETTUCE_CLIENT = "io.lettuce.core.RedisClient";

	/** The classes looked up by name here, for {@link ResilienceRuntimeHints}. */
	static final List<String> CLASSES_LOOKED_UP_BY_NAME = List.of(REDIS_CONNECTION_FACTORY, LETTUCE_CLIENT);

	private ResiliencePropertiesValidator() {
	}

	/**
	 * Gives each rate-limit policy one entry. Relaxed binding treats the keys {@code public-api} and {@code publicapi}
	 * as one property, so when an environment variable overrides a setting of a policy declared with dashes or capitals
	 * ({@code ..._POLICIES_PUBLICAPI_REQUESTSPERWINDOW}, the only spelling an environment variable has) the binder
	 * gives the map both keys, each with all the merged settings, and the environment's first. The form an environment
	 * variable gives (lower case, no dashes) is then dropped, and the declared spelling keeps its place in the order.
	 * @param policies the bound policies, in binding order
	 * @return the policies, one entry each
	 * @throws InvalidResiliencePropertyException when two spellings of one name are declared, or hold different settings
	 */
	static Map<String, Policy> collapseRelaxedPolicyNames(Map<String, Policy> policies) {
		Map<String, List<String>> spellings = new LinkedHashMap<>();
		for (String name : policies.keySet()) {
			spellings.computeIfAbsent(relaxed(name), (key) -> new ArrayList<>()).add(name);
		}
		if (spellings.size() == policies.size()) {
			return policies;
		}
		Map<String, Policy> collapsed = new LinkedHashMap<>();
		for (Map.Entry<String, Policy> entry : policies.entrySet()) {
			String name = entry.getKey();
			List<String> names = spellings.get(relaxed(name));
			if (names.size() == 1) {
				collapsed.put(name, entry.getValue());
				continue;
			}
			List<String> declared = names.stream().filter((candidate) -> !candidate.equals(relaxed(candidate))).toList();
			String property = PREFIX + "rate-limit.policies";
			for (String other : names) {
				if (!sameSettings(policies.get(other), entry.getValue())) {
					throw new InvalidResiliencePropertyException(property, names,
							"these names differ only in case, '-' or '_', which relaxed binding ignores in some "
									+ "sources and not in others, and they hold different settings.",
							"give the policy a name in lower case with dashes, such as 'public-api', and use that "
									+ "spelling everywhere (an environment variable writes it PUBLICAPI).");
				}
			}
			if (declared.size() > 1) {
				throw new InvalidResiliencePropertyException(property, names,
						"relaxed binding reads these spellings as one policy, whose name (sent in the RateLimit "
								+ "headers and tagged on the metrics) would then be a guess.",
						"use one spelling of the policy's name everywhere.");
			}
			if (declared.isEmpty() || declared.get(0).equals(name)) {
				collapsed.put(name, entry.getValue());
			}
		}
		return collapsed;
	}

	/**
	 * Puts the policies in the order in which the configuration first gives them paths, reading its sources from the
	 * lowest precedence up; a policy no source gives paths to keeps the binder's place, after them. The binder fills
	 * the map from the highest precedence down, so a source that only tunes a setting (an environment variable, a
	 * command-line argument, a profile's file) would move the policy it names ahead of the others, and the first
	 * policy whose paths match a request is the one that applies.
	 * @param policies the bound policies, one entry each
	 * @param environment the environment they were bound from, or {@code null}
	 * @return the policies in declaration order
	 */
	static Map<String, Policy> inDeclarationOrder(Map<String, Policy> policies, @Nullable Environment environment) {
		if (policies.size() < 2 || !(environment instanceof ConfigurableEnvironment configurable)) {
			return policies;
		}
		ConfigurationPropertyName prefix = ConfigurationPropertyName.of(PREFIX + "rate-limit.policies");
		int element = prefix.getNumberOfElements();
		List<IterableConfigurationPropertySource> sources = new ArrayList<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(configurable)) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				sources.add(iterable);
			}
		}
		// a policy is declared where its paths are (a source that only tunes its quota, above or below, does not
		// move it), read from the names, not the values: a value this source spells wrong (an unresolved
		// placeholder) that another overrides still declares its policy here
		Map<String, Integer> declared = new HashMap<>();
		for (int i = sources.size() - 1; i >= 0; i--) {
			sources.get(i)
				.stream()
				.filter((name) -> prefix.isAncestorOf(name) && !name.isNumericIndex(element)
						&& name.getNumberOfElements() > element + 1
						&& name.getElement(element + 1, ConfigurationPropertyName.Form.UNIFORM).equals("paths"))
				.forEach((name) -> declared.putIfAbsent(
						relaxed(name.getElement(element, ConfigurationPropertyName.Form.ORIGINAL)), declared.size()));
		}
		List<Map.Entry<String, Policy>> entries = new ArrayList<>(policies.entrySet());
		entries.sort(Comparator
			.comparingInt((entry) -> declared.getOrDefault(relaxed(entry.getKey()), Integer.MAX_VALUE)));
		Map<String, Policy> ordered = new LinkedHashMap<>();
		entries.forEach((entry) -> ordered.put(entry.getKey(), entry.getValue()));
		return ordered;
	}

	private static String relaxed(String name) {
		return name.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
	}

	private static boolean sameSettings(Policy one, Policy other) {
		return Objects.equals(one.getPaths(), other.getPaths()) && Objects.equals(one.getMethods(), other.getMethods())
				&& Objects.equals(one.getRequestsPerWindow(), other.getRequestsPerWindow())
				&& Objects.equals(one.getWindow(), other.getWindow()) && Objects.equals(one.getBurst(), other.getBurst())
				&& one.getKey() == other.getKey() && Objects.equals(one.getKeyHeader(), other.getKeyHeader());
	}

	static void validate(ResilienceProperties properties, ClassLoader classLoader, @Nullable Environment environment) {
		if (environment == null) {
			validate(properties, classLoader);
			return;
		}
		try {
			validateSwitches(properties, environment);
			validate(properties, classLoader);
		}
		catch (InvalidResiliencePropertyException ex) {
			throw ex.withOrigin(originOf(ex.getProperty(), environment));
		}
	}

	/**
	 * Where the value of a property was written: the first source that has it, as the binder reads them, so that a
	 * report names the environment variable or argument that overrides a file's valid value.
	 * @param property a property name as a report gives it
	 * @param environment the environment the properties were bound from
	 * @return the value's origin, or {@code null} when no source tracks it or the name is no single property's (an
	 * inherited value, a map key no property name can hold)
	 */
	private static @Nullable Origin originOf(String property, Environment environment) {
		ConfigurationPropertyName name = ConfigurationPropertyName.isValid(property)
				? ConfigurationPropertyName.of(property) : ConfigurationPropertyName.adapt(property, '.');
		if (name.isEmpty()) {
			return null;
		}
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			ConfigurationProperty value = source.getConfigurationProperty(name);
			if (value != null) {
				return value.getOrigin();
			}
		}
		return null;
	}

	static void validate(ResilienceProperties properties, ClassLoader classLoader) {
		if (properties.getRateLimit().isEnabled()) {
			validateRateLimit(properties.getRateLimit(), classLoader);
		}
		if (properties.getCircuitBreaker().isEnabled()) {
			validateCircuitBreaker(properties.getCircuitBreaker(), classLoader);
		}
		if (properties.getBackpressure().isEnabled()) {
			validateBackpressure(properties.getBackpressure());
		}
	}

	/**
	 * The auto-configurations switch on what the text of a property says, as Spring Boot's property conditions do:
	 * a feature only for {@code enabled=true}, a store only for its exact name. The binder is more lenient
	 * ({@code 1}, {@code on}, {@code yes} or {@code " true"} bind as true, an empty store as the default), so such a
	 * value would bind one way and switch the other: a feature validated but off, or no store at all.
	 */
	private static void validateSwitches(ResilienceProperties properties, Environment environment) {
		warnAboutBareSeconds(properties, environment);
		checkSwitch(environment, "rate-limit.enabled", properties.getRateLimit().isEnabled());
		checkSwitch(environment, "circuit-breaker.enabled", properties.getCircuitBreaker().isEnabled());
		checkSwitch(environment, "backpressure.enabled", properties.getBackpressure().isEnabled());
		if (properties.getRateLimit().isEnabled()) {
			checkPolicySpellings(environment);
			String name = PREFIX + "rate-limit.store";
			String text = environment.getProperty(name);
			if (text != null && !text.equalsIgnoreCase(properties.getRateLimit().getStore().name())) {
				throw new InvalidResiliencePropertyException(name, text, "the store is chosen by its name.",
						"set it to memory (the default) or redis, or remove it.");
			}
		}
	}

	/**
	 * Fails when the configuration spells one policy's name two ways that relaxed binding reads as one (case, '-' or
	 * '_'): the binder then merges them into one map entry before {@link #collapseRelaxedPolicyNames} sees the map, so
	 * one declaration's settings would silently replace or blend with the other's. The names are read as written in
	 * each source; environment variables in the usual form (capitals and '_') are left out, since they can spell a
	 * name only in its relaxed form.
	 */
	private static void checkPolicySpellings(Environment environment) {
		ConfigurationPropertyName policies = ConfigurationPropertyName.of(PREFIX + "rate-limit.policies");
		int element = policies.getNumberOfElements();
		Map<String, Set<String>> spellings = new LinkedHashMap<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			Stream<ConfigurationPropertyName> names;
			if (source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource variables) {
				// ZEROCLAW_..._POLICIES_WEBHOOK_PATHS spells the relaxed form only; a variable written with dots
				// (Docker, Kubernetes and Compose allow it) spells a name as any file does
				names = Arrays.stream(variables.getPropertyNames())
					.filter((name) -> name.indexOf('.') >= 0)
					.map((name) -> ConfigurationPropertyName.adapt(name, '.'))
					.filter((name) -> !name.isEmpty());
			}
			else if (source instanceof IterableConfigurationPropertySource iterable) {
				names = iterable.stream();
			}
			else {
				continue;
			}
			names.filter((name) -> policies.isAncestorOf(name) && !name.isNumericIndex(element))
				.map((name) -> name.getElement(element, ConfigurationPropertyName.Form.ORIGINAL))
				.forEach((name) -> spellings.computeIfAbsent(relaxed(name), (key) -> new TreeSet<>()).add(name));
		}
		for (Set<String> names : spellings.values()) {
			if (names.size() > 1) {
				throw new InvalidResiliencePropertyException(PREFIX + "rate-limit.policies", names,
						"relaxed binding reads these spellings (they differ only in case, '-' or '_') as one "
								+ "policy, so one declaration's settings would silently replace the other's.",
						"use one spelling of the policy's name everywhere, in lower case with dashes, such as "
								+ "'public-api'.");
			}
		}
	}

	/** A duration written as a bare number at least this large is more likely milliseconds meant than seconds. */
	private static final long LARGE_BARE_SECONDS = 1000;

	private static final Pattern BARE_NUMBER = Pattern.compile("\\s*\\+?\\d{1,15}\\s*");

	/**
	 * Warns about a duration written as a large bare number: the starter reads it as seconds, where Spring Boot's own
	 * durations (and most other libraries' settings, such as Resilience4j's) read milliseconds, so a value copied from
	 * them ({@code recovery-timeout: 60000}) means hours. A unit silences it.
	 */
	private static void warnAboutBareSeconds(ResilienceProperties properties, Environment environment) {
		Binder binder = Binder.get(environment);
		List<SecondsSetting> settings = new ArrayList<>();
		if (properties.getRateLimit().isEnabled()) {
			settings.add(new SecondsSetting(null, null, "rate-limit.window"));
			for (String policy : properties.getRateLimit().getPolicies().keySet()) {
				settings.add(new SecondsSetting("rate-limit.policies", policy, "window"));
			}
		}
		if (properties.getCircuitBreaker().isEnabled()) {
			settings.add(new SecondsSetting(null, null, "circuit-breaker.recovery-timeout"));
			for (String instance : properties.getCircuitBreaker().getInstances().keySet()) {
				settings.add(new SecondsSetting("circuit-breaker.instances", instance, "recovery-timeout"));
			}
		}
		if (properties.getBackpressure().isEnabled()) {
			settings.add(new SecondsSetting(null, null, "backpressure.graceful-shutdown-timeout"));
		}
		Set<String> warned = new HashSet<>();
		for (SecondsSetting setting : settings) {
			String text = setting.rawValue(binder);
			if (text != null && BARE_NUMBER.matcher(text).matches()) {
				long seconds = Long.parseLong(text.strip().replace("+", ""));
				String name = setting.name();
				// one map entry can be bound under two spellings (camelCase in a file, upper case in a variable)
				if (seconds >= LARGE_BARE_SECONDS && warned.add(name.toLowerCase(Locale.ROOT) + "=" + seconds)) {
					logger.warn("Property '{}{}' is the bare number {}, which is read as seconds: {}. Write it with a "
							+ "unit ({}s, or {}ms if milliseconds were meant, as in Spring Boot's own durations).",
							PREFIX, name, seconds,
							Duration.ofSeconds(seconds).toString().substring(2).toLowerCase(Locale.ROOT), seconds,
							seconds);
				}
			}
		}
	}

	/**
	 * A duration read as seconds: a top-level one ({@code map} and {@code key} null), or the setting of one entry of a
	 * map keyed by a bean or policy name.
	 */
	private record SecondsSetting(@Nullable String map, @Nullable String key, String setting) {

		/** The setting as a properties file names it: a key that holds more than a name does goes in brackets. */
		String name() {
			if (this.map == null || this.key == null) {
				return this.setting;
			}
			String entry = this.key.matches("[A-Za-z0-9_-]+") ? "." + this.key : "[" + this.key + "]";
			return this.map + entry + "." + this.setting;
		}

		/**
		 * The text the duration was written as. A map key may be held by a property name only in brackets (dots,
		 * slashes, spaces) or only adapted (camelCase, as property sources give it): both are tried.
		 */
		@Nullable String rawValue(Binder binder) {
			List<ConfigurationPropertyName> candidates = new ArrayList<>();
			try {
				if (this.map == null || this.key == null) {
					candidates.add(ConfigurationPropertyName.of(PREFIX + this.setting));
				}
				else {
					candidates.add(ConfigurationPropertyName.adapt(PREFIX + this.map + "." + this.key + "."
							+ this.setting, '.'));
					candidates.add(ConfigurationPropertyName.of(PREFIX + this.map)
						.append("[" + this.key + "]")
						.append(this.setting));
				}
			}
			catch (RuntimeException ex) {
				// a key no property name can hold: nothing to read back
			}
			for (ConfigurationPropertyName candidate : candidates) {
				try {
					String text = binder.bind(candidate, Bindable.of(String.class)).orElse(null);
					if (text != null) {
						return text;
					}
				}
				catch (RuntimeException ex) {
					// try the next spelling
				}
			}
			return null;
		}

	}

	private static void checkSwitch(Environment environment, String property, boolean bound) {
		String name = PREFIX + property;
		String text = environment.getProperty(name);
		if (bound && text == null) {
			throw new InvalidResiliencePropertyException(name, true,
					"it was bound as true from a source the auto-configuration's conditions cannot see (such as a "
							+ "placeholder configurer's local properties, or properties set in code), so the "
							+ "protection would stay off.",
					"set it in the Environment: application.properties or .yml, a profile, an environment variable "
							+ "or a command-line argument.");
		}
		if (bound && !"true".equalsIgnoreCase(text)) {
			throw new InvalidResiliencePropertyException(name, text,
					"a protection is switched on by the value true alone; '" + text + "' reads as true but would "
							+ "leave it off.",
					"set it to true (or false).");
		}
	}

	private static void validateRateLimit(RateLimit rateLimit, ClassLoader classLoader) {
		String prefix = PREFIX + "rate-limit.";
		validateQuota(prefix, rateLimit.getRequestsPerWindow(), rateLimit.getWindow(), rateLimit.getBurst());
		validateKey(prefix, rateLimit.getKey(), rateLimit.getKeyHeader(), rateLimit.getKeyHeader());
		if (rateLimit.getMaxKeys() < 1) {
			throw new InvalidResiliencePropertyException(prefix + "max-keys", rateLimit.getMaxKeys(),
					"at least one key must be tracked per policy.",
					"set it to 1 or more (the default is 10000).");
		}
		if (rateLimit.getIpv6PrefixLength() < 1 || rateLimit.getIpv6PrefixLength() > 128) {
			throw new InvalidResiliencePropertyException(prefix + "ipv6-prefix-length", rateLimit.getIpv6PrefixLength(),
					"it is the number of leading bits of an IPv6 address that name one client, and an address has 128.",
					"set it between 1 and 128: 64 (the default) keys a subscriber's subnet, 128 each address.");
		}
		for (Map.Entry<String, Policy> entry : rateLimit.getPolicies().entrySet()) {
			String policyPrefix = prefix + "policies." + entry.getKey() + ".";
			if (entry.getKey().isBlank() || !entry.getKey().strip().equals(entry.getKey())) {
				throw new InvalidResiliencePropertyException(prefix + "policies", entry.getKey(),
						"a policy's name is sent in the RateLimit and RateLimit-Policy headers and tagged on the metrics, "
								+ "where blanks around it would be lost or misread.",
						"name the policy without leading or trailing spaces, for example 'webhook'.");
			}
			if (!PRINTABLE_ASCII.matcher(entry.getKey()).matches()) {
				throw new InvalidResiliencePropertyException(prefix + "policies", entry.getKey(),
						"a policy's name is sent in the RateLimit and RateLimit-Policy headers, which carry printable "
								+ "ASCII only.",
						"rename the policy with letters, digits and punctuation, for example 'webhook'.");
			}
			if (DIGITS.matcher(entry.getKey()).matches()) {
				throw new InvalidResiliencePropertyException(prefix + "policies", entry.getKey(),
						"a policy's name must not be digits only: policies is a map from each policy's name to its "
								+ "settings, and written as a list (YAML '- paths:' items, or policies[0]) its "
								+ "entries would be named 0, 1, ..., a number sent as the policy's name in the "
								+ "RateLimit headers and tagged on the metrics.",
						"name each policy with at least one letter, for example policies: { webhook: { paths: "
								+ "[\"/webhook/**\"] } } or 'year-2024'.");
			}
			Policy policy = entry.getValue();
			if (policy.getPaths() == null || policy.getPaths().isEmpty()) {
				throw new InvalidResiliencePropertyException(policyPrefix + "paths", policy.getPaths(),
						"a policy without paths never applies.",
						"list the path patterns this policy limits, for example [\"/webhook/**\"].");
			}
			if (policy.getMethods() != null) {
				for (String method : policy.getMethods()) {
					if (method == null || !HTTP_METHOD.matcher(method.strip()).matches()) {
						throw new InvalidResiliencePropertyException(policyPrefix + "methods", method,
								"each entry is one HTTP method, a name such as GET; a policy for every method lists "
										+ "none.",
								"list methods one by one, for example [POST, PUT], or leave it empty for every "
										+ "method.");
					}
					if (!KNOWN_METHODS.contains(method.strip().toUpperCase(Locale.ROOT))) {
						// an extension method is allowed, but a typo would leave the policy applying to nothing
						logger.warn("Property '{}methods' lists '{}', which is no standard HTTP or WebDAV method: "
								+ "the policy applies to requests with that method only. Check its spelling (GET, "
								+ "POST, PUT, PATCH, DELETE, ...).", policyPrefix, method.strip());
					}
				}
			}
			validateQuota(policyPrefix, orDefault(policy.getRequestsPerWindow(), rateLimit.getRequestsPerWindow()),
					orDefault(policy.getWindow(), rateLimit.getWindow()),
					orDefault(policy.getBurst(), rateLimit.getBurst()));
			validateKey(policyPrefix, orDefault(policy.getKey(), rateLimit.getKey()),
					orDefault(policy.getKeyHeader(), rateLimit.getKeyHeader()), policy.getKeyHeader());
		}
		if (rateLimit.getStore() == Store.REDIS) {
			if (!ClassUtils.isPresent(REDIS_CONNECTION_FACTORY, classLoader)) {
				throw new InvalidResiliencePropertyException(prefix + "store", "redis",
						"the Redis store needs Spring Data Redis, which is not on the classpath.",
						"add the dependency org.springframework.boot:spring-boot-starter-data-redis, "
								+ "or set it to 'memory'.");
			}
			if (!ClassUtils.isPresent(LETTUCE_CLIENT, classLoader)) {
				throw new InvalidResiliencePropertyException(prefix + "store", "redis",
						"the Redis store talks to Redis through Lettuce, Spring Boot's default Redis client, which is "
								+ "not on the classpath.",
						"add io.lettuce:lettuce-core (spring-boot-starter-data-redis brings it unless excluded), "
								+ "or set it to 'memory'.");
			}
			String keyPrefix = rateLimit.getRedis().getKeyPrefix();
			if (keyPrefix != null && keyPrefix.contains("${")) {
				throw new InvalidResiliencePropertyException(prefix + "redis.key-prefix", keyPrefix,
						"a placeholder in it names a property that is not set, so it would be written into every key "
								+ "as it stands.",
						"set the property it names (spring.application.name, say), or give the placeholder a default: "
								+ "${spring.application.name:my-service}:rl:.");
			}
			if (keyPrefix == null || keyPrefix.isBlank()) {
				throw new InvalidResiliencePropertyException(prefix + "redis.key-prefix", keyPrefix,
						"without a prefix the buckets' keys share the database's namespace with every other "
								+ "application's keys (an unset variable behind ${...:} leaves it empty).",
						"set a prefix of this application's own, for example ${spring.application.name:my-service}:rl:, or "
								+ "remove the property for the default zeroclaw:rl:.");
			}
			if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
				throw new InvalidResiliencePropertyException(prefix + "redis.key-prefix", keyPrefix,
						"braces in the prefix would change the Redis Cluster hash tag that keeps each client's bucket "
								+ "on one slot and spreads clients over the cluster.",
						"use a prefix without { or }, for example zeroclaw:rl:.");
			}
			for (String policy : rateLimit.getPolicies().keySet()) {
				if (policy.indexOf(':') >= 0 || policy.indexOf('{') >= 0 || policy.indexOf('}') >= 0) {
					throw new InvalidResiliencePropertyException(prefix + "policies", policy,
							"the Redis store keys buckets as {<policy>:<client>}: a ':' in the name would let two "
									+ "policies share a bucket, and braces would change the Cluster hash tag.",
							"rename the policy without ':', '{' or '}', for example 'api-v1'.");
				}
			}
			Duration timeout = rateLimit.getRedis().getTimeout();
			if (timeout == null || timeout.isNegative() || timeout.isZero()) {
				throw new InvalidResiliencePropertyException(prefix + "redis.timeout", timeout,
						"a decision must be allowed some time to reach Redis.",
						"set a positive duration, for example 50ms.");
			}
			if (timeout.compareTo(MAX_REDIS_TIMEOUT) > 0) {
				throw new InvalidResiliencePropertyException(prefix + "redis.timeout", timeout,
						"a request waits this long for its decision while Redis is slow or unreachable.",
						"set at most " + MAX_REDIS_TIMEOUT.toMinutes() + "m; the default, 50ms, suits a Redis nearby.");
			}
		}
	}

	private static void validateQuota(String prefix, long requests, Duration window, long burst) {
		if (window == null || window.isZero() || window.isNegative()) {
			throw new InvalidResiliencePropertyException(prefix + "window", window,
					"the refill window must be longer than zero.", "set a positive duration, for example 1m.");
		}
		if (requests < 0) {
			throw new InvalidResiliencePropertyException(prefix + "requests-per-window", requests,
					"a quota cannot be negative.", "set it to 0 or more, for example 60.");
		}
		if (burst < 0) {
			throw new InvalidResiliencePropertyException(prefix + "burst", burst, "a burst cannot be negative.",
					"set it to 0 or more, for example 10.");
		}
		if (requests == 0 && burst == 0) {
			throw new InvalidResiliencePropertyException(prefix + "requests-per-window", requests,
					"with requests-per-window and burst both 0 every request would be refused.",
					"set requests-per-window (or burst) above 0, or exclude the paths that must be closed.");
		}
		if (requests + burst < 0 || requests + burst > MAX_CAPACITY) {
			boolean burstTooBig = burst > requests;
			throw new InvalidResiliencePropertyException(prefix + (burstTooBig ? "burst" : "requests-per-window"),
					burstTooBig ? burst : requests,
					"requests-per-window + burst, the bucket's capacity, is sent in the RateLimit-Policy header, "
							+ "whose numbers have at most 15 digits.",
					"lower requests-per-window or burst; together they must stay at or below " + MAX_CAPACITY + ".");
		}
		if (requests > 0) {
			// The time an empty bucket takes to fill, with the refill interval rounded up to a whole microsecond as
			// the Redis store keeps it.
			BigInteger windowMicros = BigInteger.valueOf(window.getSeconds())
				.multiply(BigInteger.valueOf(1_000_000))
				.add(BigInteger.valueOf((window.getNano() + 999) / 1000));
			BigInteger[] interval = windowMicros.divideAndRemainder(BigInteger.valueOf(requests));
			BigInteger intervalMicros = interval[0].add((interval[1].signum() > 0) ? BigInteger.ONE : BigInteger.ZERO)
				.max(BigInteger.ONE);
			if (intervalMicros.multiply(BigInteger.valueOf(requests + burst)).compareTo(MAX_REFILL_MICROS) > 0) {
				throw new InvalidResiliencePropertyException(prefix + "window", window,
						"an empty bucket would take more than 50 years to refill.",
						"shorten the window or lower the burst; for a quota that is never refilled, set "
								+ "requests-per-window to 0 and the quota as burst.");
			}
		}
	}

	/**
	 * Checks the header a key reads: when the key is {@code header} (with what that key needs), and whenever a header
	 * is written at all, so that an empty or misspelt value (an unset variable behind {@code ${...:}}) is caught before
	 * a policy switches to it.
	 * @param keyHeader the header in effect
	 * @param declared the value written at this level, or {@code null} when inherited
	 */
	private static void validateKey(String prefix, KeyType key, String keyHeader, @Nullable String declared) {
		if (key == KeyType.HEADER && !StringUtils.hasText(keyHeader)) {
			throw new InvalidResiliencePropertyException(prefix + "key-header", keyHeader,
					"key 'header' needs the name of the header that carries the client key.",
					"set it to a header name, for example X-API-Key.");
		}
		if (key == KeyType.HEADER && !HEADER_NAME.matcher(keyHeader).matches()) {
			throw new InvalidResiliencePropertyException(prefix + "key-header", keyHeader,
					"no request can carry a header of that name (a header name is letters, digits and !#$%&'*+-.^_`|~, "
							+ "without spaces), so every client would fall back to its address.",
					"set it to a header name, for example X-API-Key.");
		}
		if (declared != null && !HEADER_NAME.matcher(declared).matches()) {
			throw new InvalidResiliencePropertyException(prefix + "key-header", declared,
					"it names no header (a header name is letters, digits and !#$%&'*+-.^_`|~, without spaces).",
					"set it to a header name, for example X-API-Key, or remove it.");
		}
	}

	private static void validateCircuitBreaker(CircuitBreaker breaker, ClassLoader classLoader) {
		String prefix = PREFIX + "circuit-breaker.";
		validateBreaker(prefix, breaker.getFailureThreshold(), breaker.getRecoveryTimeout(),
				breaker.getHalfOpenMaxRequests());
		for (Map.Entry<String, Instance> entry : breaker.getInstances().entrySet()) {
			Instance instance = entry.getValue();
			if (Boolean.FALSE.equals(instance.getEnabled())) {
				continue; // no breaker is built for this bean, so its values are never used
			}
			validateBreaker(prefix + "instances." + entry.getKey() + ".",
					orDefault(instance.getFailureThreshold(), breaker.getFailureThreshold()),
					orDefault(instance.getRecoveryTimeout(), breaker.getRecoveryTimeout()),
					orDefault(instance.getHalfOpenMaxRequests(), breaker.getHalfOpenMaxRequests()));
		}
		List<String> ignored = breaker.getIgnoreExceptions();
		for (int i = 0; i < ignored.size(); i++) {
			String name = ignored.get(i);
			String property = prefix + "ignore-exceptions[" + i + "]";
			if (!StringUtils.hasText(name) || !ClassUtils.isPresent(name.trim(), classLoader)) {
				throw new InvalidResiliencePropertyException(property, name, "no such class on the classpath.",
						"give the fully qualified name of an exception class, for example "
								+ "java.lang.IllegalArgumentException.");
			}
			Class<?> type = ClassUtils.resolveClassName(name.trim(), classLoader);
			if (!Throwable.class.isAssignableFrom(type)) {
				throw new InvalidResiliencePropertyException(property, name, "the class is not a Throwable.",
						"give the fully qualified name of an exception class.");
			}
			if (CARRIERS.contains(type.getName())) {
				throw new InvalidResiliencePropertyException(property, name,
						"it only carries the exception a call failed with, whatever it is, and a provider that "
								+ "waits on a future fails with it for every upstream failure; the carried exception "
								+ "is what is tested against this list.",
						"list the carried exceptions that are not the upstream's fault instead, for example "
								+ "java.lang.IllegalArgumentException.");
			}
			if (type == Throwable.class || type == Exception.class || type == RuntimeException.class) {
				throw new InvalidResiliencePropertyException(property, name,
						"a provider's calls fail with unchecked exceptions, so ignoring " + type.getSimpleName()
								+ " ignores every failure and no breaker could ever open.",
						"list only the exceptions that are not the upstream's fault, for example "
								+ "java.lang.IllegalArgumentException; to switch breakers off, remove it and set "
								+ PREFIX + "circuit-breaker.enabled=false, or instances.<bean>.enabled=false for one "
								+ "bean.");
			}
		}
	}

	private static void validateBreaker(String prefix, int failureThreshold, Duration recoveryTimeout,
			int halfOpenMaxRequests) {
		if (failureThreshold < 1) {
			throw new InvalidResiliencePropertyException(prefix + "failure-threshold", failureThreshold,
					"a breaker needs at least one failure to open.", "set it to 1 or more (the default is 5).");
		}
		if (recoveryTimeout == null || recoveryTimeout.isZero() || recoveryTimeout.isNegative()) {
			throw new InvalidResiliencePropertyException(prefix + "recovery-timeout", recoveryTimeout,
					"an open breaker must stay open for some time before probing.",
					"set a positive duration, for example 30s.");
		}
		if (halfOpenMaxRequests < 1) {
			throw new InvalidResiliencePropertyException(prefix + "half-open-max-requests", halfOpenMaxRequests,
					"a half-open breaker that lets no probe through can never close again.",
					"set it to 1 or more (the default is 1).");
		}
	}

	private static void validateBackpressure(Backpressure backpressure) {
		String prefix = PREFIX + "backpressure.";
		if (backpressure.getMaxQueueDepth() < 1) {
			throw new InvalidResiliencePropertyException(prefix + "max-queue-depth", backpressure.getMaxQueueDepth(),
					"a queue that holds nothing would shed every non-critical task.",
					"set it to 1 or more (the default is 1000).");
		}
		ShedThresholds thresholds = backpressure.getShedThresholds();
		String[] names = { "background", "low", "normal", "high" };
		double[] values = { thresholds.getBackground(), thresholds.getLow(), thresholds.getNormal(),
				thresholds.getHigh() };
		// each threshold's default, which also keeps the order with the other defaults
		double[] defaults = { 0.5, 0.7, 0.85, 0.95 };
		for (int i = 0; i < names.length; i++) {
			if (!(values[i] > 0.0 && values[i] <= 1.0)) {
				throw new InvalidResiliencePropertyException(prefix + "shed-thresholds." + names[i], values[i],
						"a shed threshold is a fill ratio and must lie in (0, 1].",
						"set a value above 0 and at most 1, no lower than the thresholds of less important "
								+ "priorities (the default is " + defaults[i] + ").");
			}
		}
		for (int i = 1; i < names.length; i++) {
			if (values[i] < values[i - 1]) {
				throw new InvalidResiliencePropertyException(prefix + "shed-thresholds." + names[i], values[i],
						"it is below the " + names[i - 1] + " threshold (" + values[i - 1]
								+ "): a more important priority would be shed before a less important one.",
						"keep background <= low <= normal <= high.");
			}
		}
		Duration timeout = backpressure.getGracefulShutdownTimeout();
		if (timeout == null || timeout.isNegative()) {
			throw new InvalidResiliencePropertyException(prefix + "graceful-shutdown-timeout", timeout,
					"a shutdown cannot wait a negative time.", "set 0 (do not wait) or a positive duration, "
							+ "for example 30s.");
		}
	}

	private static <T> T orDefault(@Nullable T value, T fallback) {
		return (value != null) ? value : fallback;
	}

}
