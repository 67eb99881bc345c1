package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.InvalidResiliencePropertyException;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Policy;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.RateLimit;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.autoconfigure.condition.SearchStrategy;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ClassUtils;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Per-key HTTP rate limiting, on when {@code zeroclaw.resilience.rate-limit.enabled=true}: one limiter per policy for
 * the application's lifetime, made by a {@link RateLimiterFactory}, listed by {@link RateLimitPolicies}, and applied
 * to requests by a {@link RateLimitFilter} in a servlet web application.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class,
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnBooleanProperty("zeroclaw.resilience.rate-limit.enabled")
@ConditionalOnClass(name = RateLimitAutoConfiguration.PATH_PATTERN_PARSER)
@EnableConfigurationProperties(ResilienceProperties.class)
// Store configurations are registered in this order and each backs off when a factory exists: a configuration for
// another store (such as Redis, on store=redis) goes before MemoryStoreConfiguration, the fallback, in this list.
@Import({ RedisRateLimiterConfiguration.class, RateLimitAutoConfiguration.MemoryStoreConfiguration.class,
		RateLimitAutoConfiguration.ServletFilterConfiguration.class,
		RateLimitAutoConfiguration.MetricsConfiguration.class })
public final class RateLimitAutoConfiguration {

	/** Spring Web's path pattern parser: policies match paths with it, so without Spring Web nothing is limited. */
	static final String PATH_PATTERN_PARSER = "org.springframework.web.util.pattern.PathPatternParser";

	private static final String PREFIX = "zeroclaw.resilience.rate-limit.";

	private static final String FILTER_REGISTRATION = "rateLimitFilterRegistration";

	private static final String PRINCIPAL_FILTER_REGISTRATION = "principalRateLimitFilterRegistration";

	private static final String FILTER_REGISTRATION_BEAN = "org.springframework.boot.web.servlet.FilterRegistrationBean";

	private static final String DEFAULT_ACTUATOR_BASE_PATH = "/actuator";

	private static final List<String> DEFAULT_EXCLUDE_PATHS = List.of(DEFAULT_ACTUATOR_BASE_PATH + "/**");

	/**
	 * Whether the rate-limit filter limits the requests of this context's servlet web server: one of its registrations
	 * (or an application's bean in place of one, under the same name) is enabled and registers a
	 * {@link RateLimitFilter}. Never outside a servlet web application, where the policies only serve the
	 * application's own calls.
	 * @param beanFactory the context's bean factory
	 * @return whether requests are limited by the filter
	 */
	public static boolean filtersRequests(ListableBeanFactory beanFactory) {
		if (!beanFactory.containsBean(FILTER_REGISTRATION) && !beanFactory.containsBean(PRINCIPAL_FILTER_REGISTRATION)) {
			return false;
		}
		if (!ClassUtils.isPresent(FILTER_REGISTRATION_BEAN, RateLimitAutoConfiguration.class.getClassLoader())) {
			return false;
		}
		return ServletFilterConfiguration.isEnabledOwnFilter(beanFactory, FILTER_REGISTRATION)
				|| ServletFilterConfiguration.isEnabledOwnFilter(beanFactory, PRINCIPAL_FILTER_REGISTRATION);
	}

	/** A policy's limiter, from a factory that may be the application's own. */
	private static RateLimiter limiter(RateLimiterFactory factory, RateLimitPolicy quota, int maxKeys) {
		RateLimiter limiter = factory.create(quota, maxKeys);
		if (limiter == null) {
			throw new IllegalStateException("The RateLimiterFactory " + factory.getClass().getName()
					+ " made no limiter for the policy '" + quota.name() + "': it returned null");
		}
		return limiter;
	}

	/**
	 * The policies, one set per hierarchy: a child context under a parent that has them uses the parent's (and its
	 * store), whatever its own settings say, as it inherits the parent's environment anyway.
	 */
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
					limiter(rateLimiterFactory, quota, rateLimit.getMaxKeys()), policy.getMethods()));
		}
		List<String> excludePaths = excludePaths(rateLimit.getExcludePaths(), environment);
		UnreachablePolicies.find(named, excludePaths).forEach((name, takenBy) -> warnUnreachable(name, takenBy,
				excludePaths));
		RateLimitPolicy defaultQuota = new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY,
				rateLimit.getRequestsPerWindow(), rateLimit.getWindow(), rateLimit.getBurst());
		RateLimitPolicyRegistration defaultPolicy = new RateLimitPolicyRegistration(defaultQuota,
				rateLimit.getIncludePaths(), rateLimit.getKey(), rateLimit.getKeyHeader(),
				limiter(rateLimiterFactory, defaultQuota, rateLimit.getMaxKeys()));
		return new RateLimitPolicies(named, defaultPolicy, excludePaths);
	}

	private static void warnUnreachable(String name, Set<String> takenBy, List<String> excludePaths) {
		Logger logger = LoggerFactory.getLogger(RateLimitAutoConfiguration.class);
		Set<String> policies = new LinkedHashSet<>(takenBy);
		if (policies.remove(UnreachablePolicies.EXCLUDE_PATHS)) {
			logger.warn("Rate-limit policy '{}' can never apply: every path it lists is excluded by "
					+ "zeroclaw.resilience.rate-limit.exclude-paths {}{}, which are tried before every policy and "
					+ "limited by none. Give '{}' other paths, or set exclude-paths without them (setting it replaces "
					+ "the default, which excludes Actuator's endpoints).", name, excludePaths,
					policies.isEmpty() ? ""
							: (" or matched first by " + ((policies.size() == 1) ? "policy " : "policies ")
									+ quoted(policies)),
					name);
			return;
		}
		logger.warn("Rate-limit policy '{}' can never apply: every path it lists is matched first by {} {}, tried "
				+ "before it, for every method it applies to. Policies are tried in the order their paths are "
				+ "first given, reading the configuration's sources from the lowest up (paths a profile, a "
				+ "command-line argument or an environment variable adds come after those of "
				+ "application.yml): give '{}' its paths before {}, in the same file, or narrow {}.",
				name, (policies.size() == 1) ? "policy" : "policies", quoted(policies), name, quoted(policies),
				quoted(policies));
	}

	private static String quoted(Collection<String> names) {
		return names.stream().map((name) -> "'" + name + "'").collect(Collectors.joining(", "));
	}

	/**
	 * The default {@code exclude-paths} is where Actuator's endpoints are by default. When they live elsewhere (another
	 * {@code management.endpoints.web.base-path}, or under a {@code spring.mvc.servlet.path}, which patterns include)
	 * the default follows them, as Spring Boot's own matchers of endpoint requests do, so that health checks and
	 * scrapes are not limited once the base path moves. The health groups' additional paths on the main server are
	 * health checks too (Kubernetes probes at {@code /livez} and {@code /readyz} with
	 * {@code management.endpoint.health.probes.add-additional-paths}, or a group's {@code additional-path}), and are
	 * excluded with them. A list set explicitly is kept as it is, even if it equals the default. With endpoints at the
	 * root there is no prefix to exclude: the default is kept, and {@code exclude-paths} must list them.
	 */
	static List<String> excludePaths(List<String> configured, Environment environment) {
		Binder binder = Binder.get(environment);
		if (!DEFAULT_EXCLUDE_PATHS.equals(configured)
				|| binder.bind(PREFIX + "exclude-paths", Bindable.listOf(String.class)).isBound()) {
			return configured;
		}
		String basePath = trimTrailingSlashes(environment.getProperty("management.endpoints.web.base-path",
				DEFAULT_ACTUATOR_BASE_PATH));
		String servletPath = trimTrailingSlashes(environment.getProperty("spring.mvc.servlet.path", ""));
		List<String> excluded = new ArrayList<>(basePath.isEmpty() ? configured
				: List.of(servletPath + (basePath.startsWith("/") ? "" : "/") + basePath + "/**"));
		for (String path : additionalHealthPaths(binder, environment)) {
			String pattern = servletPath + (path.startsWith("/") ? "" : "/") + trimTrailingSlashes(path) + "/**";
			if (!excluded.contains(pattern)) {
				excluded.add(pattern);
			}
		}
		return excluded;
	}

	/**
	 * The paths at which health groups answer on the main server besides Actuator's own: {@code /livez} and
	 * {@code /readyz} for the probes when they are added there, and each group's {@code server:} additional path (and
	 * its {@code management:} one while management shares the main server's port).
	 */
	private static List<String> additionalHealthPaths(Binder binder, Environment environment) {
		Map<String, String> byGroup = new LinkedHashMap<>();
		if (binder.bind("management.endpoint.health.probes.add-additional-paths", Boolean.class).orElse(false)) {
			byGroup.put("liveness", "server:/livez");
			byGroup.put("readiness", "server:/readyz");
		}
		binder.bind("management.endpoint.health.group", Bindable.mapOf(String.class, HealthGroupPath.class))
			.ifBound((groups) -> groups.forEach((name, group) -> {
				if (group.getAdditionalPath() != null) {
					byGroup.put(name, group.getAdditionalPath());
				}
			}));
		boolean managementOnMainPort = managementOnMainPort(environment);
		List<String> paths = new ArrayList<>();
		for (String additionalPath : byGroup.values()) {
			String path = additionalPath.strip();
			if (path.regionMatches(true, 0, "server:", 0, 7)) {
				path = path.substring(7).strip();
			}
			else if (managementOnMainPort && path.regionMatches(true, 0, "management:", 0, 11)) {
				path = path.substring(11).strip();
			}
			else {
				continue;
			}
			if (!trimTrailingSlashes(path).isEmpty()) {
				paths.add(path);
			}
		}
		return paths;
	}

	/**
	 * Whether Actuator answers on the main server, by the rule of Spring Boot's {@code ManagementPortType} (which
	 * needs Actuator on the class path): no management port, or the main server's (8080 when unset), but never two
	 * random ports ({@code 0}), which are two servers; a negative one serves no management over HTTP at all.
	 */
	static boolean managementOnMainPort(Environment environment) {
		Integer management = environment.getProperty("management.server.port", Integer.class);
		if (management == null) {
			return true;
		}
		Integer server = environment.getProperty("server.port", Integer.class);
		return (server == null) ? management == 8080 : (management > 0 && management.equals(server));
	}

	/**
	 * The one setting of a health group that says where else it answers, bound from the environment (hints for a
	 * native image in {@link RateLimitRuntimeHints}).
	 */
	static class HealthGroupPath {

		private @Nullable String additionalPath;

		public @Nullable String getAdditionalPath() {
			return this.additionalPath;
		}

		public void setAdditionalPath(@Nullable String additionalPath) {
			this.additionalPath = additionalPath;
		}

	}

	private static String trimTrailingSlashes(String path) {
		String trimmed = path.strip();
		while (trimmed.endsWith("/")) {
			trimmed = trimmed.substring(0, trimmed.length() - 1);
		}
		return trimmed;
	}

	/**
	 * The context's own policies first, then an ancestor's: injected by type, a child's policies and its parent's of
	 * another name would be two candidates.
	 */
	static RateLimitPolicies ownPolicies(ListableBeanFactory beanFactory) {
		return beanFactory.getBeanProvider(RateLimitPolicies.class).getObject();
	}

	private static <T> T orDefault(@Nullable T value, T fallback) {
		return (value != null) ? value : fallback;
	}

	/** Buckets in this JVM's memory: the fallback when no other store configuration made a factory. */
	// Conditional on the store as well: a nested configuration is registered before any @Import, so backing off
	// when a factory exists would not be enough for the Redis store's to win.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(prefix = "zeroclaw.resilience.rate-limit", name = "store", havingValue = "memory",
			matchIfMissing = true)
	static class MemoryStoreConfiguration {

		/**
		 * Named apart from what an application would call its own factory ({@code rateLimiterFactory}): the
		 * reporter of settings changed after processing ahead of time tells this store by the name.
		 */
		@Bean
		@ConditionalOnMissingBean
		RateLimiterFactory zeroclawMemoryRateLimiterFactory() {
			return LocalRateLimiter::new;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.SERVLET)
	@ConditionalOnClass({ Filter.class, PathPattern.class })
	static class ServletFilterConfiguration {

		/**
		 * Backs off for a registration of this context only: a server registers its own context's filters, so a
		 * child's server under a parent that serves requests too would otherwise have none.
		 */
		@Bean
		@ConditionalOnMissingBean(name = FILTER_REGISTRATION, search = SearchStrategy.CURRENT)
		FilterRegistrationBean<RateLimitFilter> rateLimitFilterRegistration(ResilienceProperties properties,
				ObjectProvider<RateLimitKeyResolver> keyResolver,
				ObjectProvider<RateLimitRejectionHandler> rejectionHandler,
				ObjectProvider<CorsConfigurationSource> corsSources, Environment environment,
				ConfigurableListableBeanFactory beanFactory, ApplicationContext context) {
			RateLimitPolicies policies = ownPolicies(beanFactory);
			RateLimit rateLimit = properties.getRateLimit();
			FilterPlacement placement = FilterPlacement.of(rateLimit, policies, environment,
					beanFactory.containsBeanDefinition(PRINCIPAL_FILTER_REGISTRATION));
			// getIfAvailable, not getIfUnique: two resolvers (or handlers) and no @Primary must stop start-up, not be
			// ignored
			return registration("zeroclawRateLimitFilter", placement.order(),
					new RateLimitFilter(policies, keyResolver.getIfAvailable(), rejectionHandler.getIfAvailable(),
							rateLimit.isHeaders(),
							placement.split() ? (policy) -> policy.key() != KeyType.PRINCIPAL
									: (policy) -> true),
					rateLimit, corsSourcesOf(corsSources, beanFactory, context));
		}

		@Bean
		RewritingFilterCheck zeroclawRewritingFilterCheck(ListableBeanFactory beanFactory) {
			return new RewritingFilterCheck(beanFactory,
					ownPolicies(beanFactory).all().stream().anyMatch((policy) -> !policy.methods().isEmpty()));
		}

		private static FilterRegistrationBean<RateLimitFilter> registration(String name, int order,
				RateLimitFilter filter, RateLimit rateLimit, Supplier<List<CorsConfigurationSource>> corsSources) {
			filter.setCorsConfigurationSources(corsSources);
			filter.setIpv6PrefixLength(rateLimit.getIpv6PrefixLength());
			FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(filter);
			registration.setName(name);
			registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.FORWARD);
			registration.setOrder(order);
			return registration;
		}

		private static final String INTROSPECTOR = ".HandlerMappingIntrospector";

		/**
		 * The application's CORS configuration for the filter's refusals: its own sources first (Spring Security's
		 * {@code corsConfigurationSource}), then Spring MVC's {@code HandlerMappingIntrospector}, which answers for
		 * {@code @CrossOrigin} and the CORS mappings of a {@code WebMvcConfigurer}, and only for requests that go to
		 * Spring MVC: another servlet's CORS is not Spring MVC's to grant.
		 */
		private static Supplier<List<CorsConfigurationSource>> corsSourcesOf(
				ObjectProvider<CorsConfigurationSource> sources, ListableBeanFactory beanFactory,
				ApplicationContext context) {
			return () -> sources.orderedStream()
				.sorted(Comparator.comparing(ServletFilterConfiguration::isIntrospector))
				.map((source) -> isIntrospector(source) ? MvcServedRequests.only(source, beanFactory, context) : source)
				.toList();
		}

		private static boolean isIntrospector(CorsConfigurationSource source) {
			return source.getClass().getName().endsWith(INTROSPECTOR);
		}

		/**
		 * The filter of the policies keyed by principal, after Spring Security, when others run before it: one filter
		 * at one place would either see no principal or let Security answer (a login form's POST, a 401) before the
		 * other policies could count the request.
		 */
		@Bean
		@ConditionalOnMissingBean(name = PRINCIPAL_FILTER_REGISTRATION, search = SearchStrategy.CURRENT)
		@Conditional(PrincipalBesideOtherKeysCondition.class)
		FilterRegistrationBean<RateLimitFilter> principalRateLimitFilterRegistration(ResilienceProperties properties,
				ObjectProvider<RateLimitKeyResolver> keyResolver,
				ObjectProvider<RateLimitRejectionHandler> rejectionHandler,
				ObjectProvider<CorsConfigurationSource> corsSources, Environment environment,
				ConfigurableListableBeanFactory beanFactory, ApplicationContext context) {
			RateLimitPolicies policies = ownPolicies(beanFactory);
			RateLimit rateLimit = properties.getRateLimit();
			FilterPlacement placement = FilterPlacement.of(rateLimit, policies, environment, true);
			FilterRegistrationBean<RateLimitFilter> registration = registration("zeroclawPrincipalRateLimitFilter",
					placement.afterSecurity(),
					new RateLimitFilter(policies, keyResolver.getIfAvailable(), rejectionHandler.getIfAvailable(),
							rateLimit.isHeaders(), (policy) -> policy.key() == KeyType.PRINCIPAL),
					rateLimit, corsSourcesOf(corsSources, beanFactory, context));
			// Off when the policies of run time need no second filter (the properties were read at build time under
			// AOT, or the application has its own RateLimitPolicies), and when the application replaced the first
			// registration with its own: that replaces the starter's filtering as a whole.
			registration.setEnabled(placement.split() && isOwnFilter(beanFactory, FILTER_REGISTRATION));
			return registration;
		}

		private static boolean isOwnFilter(ListableBeanFactory beanFactory, String name) {
			return beanFactory.containsBean(name) && beanFactory.getBean(name) instanceof FilterRegistrationBean<?> bean
					&& bean.getFilter() instanceof RateLimitFilter;
		}

		private static boolean isEnabledOwnFilter(ListableBeanFactory beanFactory, String name) {
			return isOwnFilter(beanFactory, name)
					&& ((FilterRegistrationBean<?>) beanFactory.getBean(name)).isEnabled();
		}

	}

	/**
	 * Where the filter goes, unless {@code filter-order} says: before Spring Security's filter chain for {@code ip}
	 * and {@code header} keys, so that a flood is cut before authentication costs anything, after it for
	 * {@code principal} keys, which need the authenticated user; around Security wherever
	 * {@code spring.security.filter.order} puts it. When policies of both kinds apply, those keyed by principal get a
	 * second filter after Security ({@code split}), and the first one, before it, leaves their requests alone.
	 * @param order the order of the first filter
	 * @param split whether the principal policies have the second filter
	 * @param afterSecurity the order of the second filter
	 */
	record FilterPlacement(int order, boolean split, int afterSecurity) {

		/**
		 * @param secondFilter whether the context defines {@code principalRateLimitFilterRegistration}: decided at
		 * build time under AOT, from the properties then, so it can disagree with the policies of run time
		 */
		static FilterPlacement of(RateLimit rateLimit, RateLimitPolicies policies, Environment environment,
				boolean secondFilter) {
			int security = Binder.get(environment)
				.bind("spring.security.filter.order", Integer.class)
				.orElse(RateLimitFilter.SECURITY_FILTER_ORDER);
			int before = security - 10;
			int after = security + 10;
			if (rateLimit.getFilterOrder() != null) {
				return new FilterPlacement(rateLimit.getFilterOrder(), false, after);
			}
			boolean principal = false;
			boolean others = false;
			for (RateLimitPolicyRegistration registration : policies.all()) {
				principal |= registration.key() == KeyType.PRINCIPAL;
				others |= registration.key() != KeyType.PRINCIPAL;
			}
			boolean split = principal && others && secondFilter;
			return new FilterPlacement((principal && !split) ? after : before, split, after);
		}

	}

	/**
	 * Matches when {@code filter-order} is not set and the policies that apply to requests (the named ones, and the
	 * default one unless its {@code include-paths} are empty) include some keyed by principal and some by another key.
	 */
	static final class PrincipalBesideOtherKeysCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			ConditionMessage.Builder message = ConditionMessage
				.forCondition("Rate-limit policies keyed by principal beside others");
			RateLimit rateLimit;
			try {
				rateLimit = Binder.get(context.getEnvironment())
					.bind(PREFIX.substring(0, PREFIX.length() - 1), RateLimit.class)
					.orElseGet(RateLimit::new);
			}
			catch (BindException ex) {
				// the properties' own binding reports it, with the starter's failure analysis
				return ConditionOutcome.noMatch(message.because("(the rate-limit properties do not bind)"));
			}
			return matches(rateLimit)
					? ConditionOutcome.match(message.because("(both kinds apply and filter-order is not set)"))
					: ConditionOutcome.noMatch(message.because("(filter-order is set, or one kind of key applies)"));
		}

		private static boolean matches(RateLimit rateLimit) {
			if (rateLimit.getFilterOrder() != null) {
				return false;
			}
			List<KeyType> keys = new ArrayList<>();
			if (!rateLimit.getIncludePaths().isEmpty()) {
				keys.add(rateLimit.getKey());
			}
			for (Policy policy : rateLimit.getPolicies().values()) {
				keys.add(orDefault(policy.getKey(), rateLimit.getKey()));
			}
			return keys.contains(KeyType.PRINCIPAL) && keys.stream().anyMatch((key) -> key != KeyType.PRINCIPAL);
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
		SmartInitializingSingleton rateLimitFilterNotRegisteredWarning() {
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
		RateLimitMetrics rateLimitMetrics(ListableBeanFactory beanFactory,
				ObjectProvider<MeterRegistry> meterRegistry) {
			return new RateLimitMetrics(ownPolicies(beanFactory), meterRegistry);
		}

	}

}
