package io.zeroclaw.resilience.autoconfigure;

import java.util.Locale;
import java.util.function.BooleanSupplier;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Store;
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Says at start-up, in an application processed ahead of time, when a protection's switch or the rate-limit store
 * now reads otherwise than when the application was built: the auto-configurations were decided at build time, so a
 * protection switched on only at run time is not running, and one switched off still runs. Without this, the only
 * sign is the {@code resilience} endpoint. Registered in {@code META-INF/spring.factories}, so that it runs whatever
 * the build decided, none of the protections included.
 */
class AheadOfTimeSettingsReporter implements ApplicationListener<ApplicationReadyEvent> {

	private static final Logger logger = LoggerFactory.getLogger(AheadOfTimeSettingsReporter.class);

	private static final String PREFIX = "zeroclaw.resilience.";

	/** The Redis store's connector ({@code RedisRateLimiterConfiguration}), defined only for that store. */
	private static final String REDIS_STORE_BEAN = "zeroclawRedisConnector";

	/** The memory store's factory ({@code RateLimitAutoConfiguration}), defined only for that store. */
	private static final String MEMORY_STORE_BEAN = "zeroclawMemoryRateLimiterFactory";

	private final BooleanSupplier aheadOfTime;

	AheadOfTimeSettingsReporter() {
		this(AotDetector::useGeneratedArtifacts);
	}

	AheadOfTimeSettingsReporter(BooleanSupplier aheadOfTime) {
		this.aheadOfTime = aheadOfTime;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		if (!this.aheadOfTime.getAsBoolean()) {
			return;
		}
		ApplicationContext context = event.getApplicationContext();
		Environment environment = context.getEnvironment();
		Binder binder = Binder.get(environment);
		// Each protection by its auto-configuration, which an application never defines itself (its own registry or
		// controller may be there, used by hand, with the protection off), and each store by the bean that only
		// that store defines: neither needs a class looked up by name, which a native image would not find. A
		// context that ran the starter's auto-configuration itself is judged by its own beans; one that did not (a
		// plain child) by its parent's and their ancestors'.
		boolean own = context.getParent() == null || has(context, ResilienceAutoConfiguration.class, false);
		ApplicationContext judged = own ? context : context.getParent();
		if (!has(judged, ResilienceAutoConfiguration.class, !own)) {
			// none of the starter's auto-configuration ran (a test slice, which imports only the starter's web
			// auto-configuration): the build decided nothing about the protections, so no switch reads otherwise
			return;
		}
		boolean rateLimiting = has(judged, RateLimitAutoConfiguration.class, !own);
		// built with rate limiting on and without Spring Web: it backed off then, and says so itself at start-up
		if (!has(judged, "rateLimitWithoutSpringWebWarning", !own)) {
			report(binder, "rate-limit.enabled", "rate limiting is", rateLimiting);
		}
		report(binder, "circuit-breaker.enabled", "circuit breakers are",
				has(judged, CircuitBreakerAutoConfiguration.class, !own));
		report(binder, "backpressure.enabled", "load shedding is",
				has(judged, BackpressureAutoConfiguration.class, !own));
		if (rateLimiting && binder.bind(PREFIX + "rate-limit.enabled", Boolean.class).orElse(false)) {
			Store store = binder.bind(PREFIX + "rate-limit.store", Store.class).orElse(Store.MEMORY);
			boolean onRedis = has(judged, REDIS_STORE_BEAN, !own);
			if (!onRedis && !has(judged, MEMORY_STORE_BEAN, !own)) {
				// the application's own factory replaces both stores, whatever the store property says
				return;
			}
			if ((store == Store.REDIS) != onRedis) {
				logger.warn("Property '{}rate-limit.store' is {} now, but this application was processed ahead of "
						+ "time with the {} store, which is the one that runs: rate limits are {}. Set the store "
						+ "for process-aot too.", PREFIX, store.name().toLowerCase(Locale.ROOT),
						onRedis ? "redis" : "memory",
						onRedis ? "still shared through Redis" : "kept in each instance's memory, not shared");
			}
		}
	}

	private static void report(Binder binder, String property, String protection, boolean running) {
		boolean enabled = binder.bind(PREFIX + property, Boolean.class).orElse(false);
		if (enabled != running) {
			logger.warn("Property '{}{}' is {} now, but this application was processed ahead of time with it {}: "
					+ "{} {}. Set it for process-aot too.", PREFIX, property, enabled, !enabled, protection,
					running ? "still running" : "not running");
		}
	}

	/** A bean of this type in the context, or in an ancestor too. */
	private static boolean has(ApplicationContext context, Class<?> type, boolean ancestors) {
		String[] names = ancestors ? BeanFactoryUtils.beanNamesForTypeIncludingAncestors(context, type, false, false)
				: context.getBeanNamesForType(type, false, false);
		return names.length > 0;
	}

	/** A bean of this name in the context, or in an ancestor too. */
	private static boolean has(ApplicationContext context, String name, boolean ancestors) {
		return ancestors ? context.containsBean(name) : context.containsBeanDefinition(name);
	}

}
