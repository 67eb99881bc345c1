package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.InvalidResiliencePropertyException;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Policy;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.RateLimit;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import jakarta.servlet.Filter;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Per-key HTTP rate limiting, on when {@code zeroclaw.resilience.rate-limit.enabled=true}: one limiter per policy for
 * the application's lifetime, made by a {@link RateLimiterFactory}, listed by {@link RateLimitPolicies}, and applied
 * to requests by a {@link RateLimitFilter} in a servlet web application.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class,
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnBooleanProperty("zeroclaw.resilience.rate-limit.enabled")
@EnableConfigurationProperties(ResilienceProperties.class)
// Store configurations are registered in this order and each backs off when a factory exists: a configuration for
// another store (such as Redis, on store=redis) goes before MemoryStoreConfiguration, the fallback, in this list.
@Import({ RedisRateLimiterConfiguration.class, RateLimitAutoConfiguration.MemoryStoreConfiguration.class,
		RateLimitAutoConfiguration.ServletFilterConfiguration.class,
		RateLimitAutoConfiguration.MetricsConfiguration.class })
public final class RateLimitAutoConfiguration {

	private static final String PREFIX = "zeroclaw.resilience.rate-limit.";

	private static final String DEFAULT_ACTUATOR_BASE_PATH = "/actuator";

	private static final List<String> DEFAULT_EXCLUDE_PATHS = List.of(DEFAULT_ACTUATOR_BASE_PATH + "/**");

	@Bean
	@ConditionalOnMissingBean
	RateLimitPolicies rateLimitPolicies(ResilienceProperties properties, RateLimiterFactory rateLimiterFactory,
			Environment environment) {
		RateLimit rateLimit = properties.getRateLimit();
		List<RateLimitPolicyRegistration> named = new ArrayList<>();
		for (Map.Entry<String, Policy> entry : rateLimit.getPolicies().entrySet()) {
			String name = entry.getKey();
			if (RateLimitPolicies.DEFAULT_POLICY.equals(name)) {
				throw new InvalidResiliencePropertyException(PREFIX + "policies." + name, name,
						"the name 'default' belongs to the policy of the top-level rate-limit settings.",
						"give the policy another name, or set the top-level values instead.");
			}
			Policy policy = entry.getValue();
			RateLimitPolicy quota = new RateLimitPolicy(name,
					orDefault(policy.getRequestsPerWindow(), rateLimit.getRequestsPerWindow()),
					orDefault(policy.getWindow(), rateLimit.getWindow()),
					orDefault(policy.getBurst(), rateLimit.getBurst()));
			named.add(new RateLimitPolicyRegistration(quota, policy.getPaths(),
					orDefault(policy.getKey(), rateLimit.getKey()),
					orDefault(policy.getKeyHeader(), rateLimit.getKeyHeader()),
					rateLimiterFactory.create(quota, rateLimit.getMaxKeys()), policy.getMethods()));
		}
		RateLimitPolicy defaultQuota = new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY,
				rateLimit.getRequestsPerWindow(), rateLimit.getWindow(), rateLimit.getBurst());
		RateLimitPolicyRegistration defaultPolicy = new RateLimitPolicyRegistration(defaultQuota,
				rateLimit.getIncludePaths(), rateLimit.getKey(), rateLimit.getKeyHeader(),
				rateLimiterFactory.create(defaultQuota, rateLimit.getMaxKeys()));
		return new RateLimitPolicies(named, defaultPolicy, excludePaths(rateLimit.getExcludePaths(), environment));
	}

	/**
	 * The default {@code exclude-paths} is where Actuator's endpoints are by default. When they live elsewhere (another
	 * {@code management.endpoints.web.base-path}, or under a {@code spring.mvc.servlet.path}, which patterns include)
	 * the default follows them, as Spring Boot's own matchers of endpoint requests do, so that health checks and
	 * scrapes are not limited once the base path moves. A list set explicitly is kept as it is, even if it equals the
	 * default. With endpoints at the root there is no prefix to exclude: the default is kept, and
	 * {@code exclude-paths} must list them.
	 */
	static List<String> excludePaths(List<String> configured, Environment environment) {
		if (!DEFAULT_EXCLUDE_PATHS.equals(configured)
				|| Binder.get(environment).bind(PREFIX + "exclude-paths", Bindable.listOf(String.class)).isBound()) {
			return configured;
		}
		String basePath = trimTrailingSlashes(environment.getProperty("management.endpoints.web.base-path",
				DEFAULT_ACTUATOR_BASE_PATH));
		String servletPath = trimTrailingSlashes(environment.getProperty("spring.mvc.servlet.path", ""));
		if (basePath.isEmpty()) {
			return configured;
		}
		return List.of(servletPath + (basePath.startsWith("/") ? "" : "/") + basePath + "/**");
	}

	private static String trimTrailingSlashes(String path) {
		String trimmed = path.strip();
		while (trimmed.endsWith("/")) {
			trimmed = trimmed.substring(0, trimmed.length() - 1);
		}
		return trimmed;
	}

	private static <T> T orDefault(T value, T fallback) {
		return (value != null) ? value : fallback;
	}

	/** Buckets in this JVM's memory: the fallback when no other store configuration made a factory. */
	// Conditional on the store as well: a nested configuration is registered before any @Import, so backing off
	// when a factory exists would not be enough for the Redis store's to win.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(prefix = "zeroclaw.resilience.rate-limit", name = "store", havingValue = "memory",
			matchIfMissing = true)
	static class MemoryStoreConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RateLimiterFactory rateLimiterFactory() {
			return LocalRateLimiter::new;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.SERVLET)
	@ConditionalOnClass({ Filter.class, PathPattern.class })
	static class ServletFilterConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "rateLimitFilterRegistration")
		FilterRegistrationBean<RateLimitFilter> rateLimitFilterRegistration(ResilienceProperties properties,
				RateLimitPolicies policies, ObjectProvider<RateLimitKeyResolver> keyResolver,
				ObjectProvider<RateLimitRejectionHandler> rejectionHandler) {
			RateLimit rateLimit = properties.getRateLimit();
			// getIfAvailable, not getIfUnique: two resolvers (or handlers) and no @Primary must stop start-up, not be
			// ignored
			RateLimitFilter filter = new RateLimitFilter(policies, keyResolver.getIfAvailable(),
					rejectionHandler.getIfAvailable(), rateLimit.isHeaders());
			FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(filter);
			registration.setName("zeroclawRateLimitFilter");
			registration.setOrder(order(rateLimit, policies));
			return registration;
		}

		private static int order(RateLimit rateLimit, RateLimitPolicies policies) {
			if (rateLimit.getFilterOrder() != null) {
				return rateLimit.getFilterOrder();
			}
			boolean byPrincipal = policies.all()
				.stream()
				.anyMatch((registration) -> registration.key() == KeyType.PRINCIPAL);
			return byPrincipal ? RateLimitFilter.AFTER_SECURITY_ORDER : RateLimitFilter.BEFORE_SECURITY_ORDER;
		}

	}

	/**
	 * Says so when rate limiting is on in an application that has no servlet filter chain (a reactive or a non-web
	 * one): the switch would otherwise limit nothing without a word. The policies' limiters stay available, from the
	 * {@link RateLimitPolicies} bean, for an application that applies them itself.
	 */
	@Configuration(proxyBeanMethods = false)
	@Conditional(NotServletWebApplication.class)
	static class NoServletFilterConfiguration {

		@Bean
		InitializingBean rateLimitFilterNotRegisteredWarning() {
			return () -> LoggerFactory.getLogger(RateLimitAutoConfiguration.class)
				.warn("zeroclaw.resilience.rate-limit.enabled is true, but this is not a servlet web application: "
						+ "the rate-limit filter is a servlet filter, so no request is limited. Limit requests "
						+ "through the RateLimitPolicies bean yourself, or set the property to false.");
		}

	}

	static final class NotServletWebApplication extends NoneNestedConditions {

		NotServletWebApplication() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnWebApplication(type = Type.SERVLET)
		static final class ServletWebApplication {

		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RateLimitMetrics rateLimitMetrics(RateLimitPolicies policies, ObjectProvider<MeterRegistry> meterRegistry) {
			return new RateLimitMetrics(policies, meterRegistry);
		}

	}

}
