package io.zeroclaw.resilience.autoconfigure;

import java.util.Locale;
import java.util.function.BooleanSupplier;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Store;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aot.AotDetector;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

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

	private static final String LETTUCE_CONNECTOR = "io.zeroclaw.resilience.ratelimit.redis.LettuceConnector";

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
		boolean rateLimiting = has(context, RateLimitPolicies.class);
		report(binder, "rate-limit.enabled", "rate limiting is", rateLimiting);
		report(binder, "circuit-breaker.enabled", "circuit breakers are", has(context, CircuitBreakerRegistry.class));
		report(binder, "backpressure.enabled", "load shedding is", has(context, BackpressureController.class));
		if (rateLimiting && binder.bind(PREFIX + "rate-limit.enabled", Boolean.class).orElse(false)) {
			Store store = binder.bind(PREFIX + "rate-limit.store", Store.class).orElse(Store.MEMORY);
			// by name: without Lettuce on the class path the connector's class cannot load, and no store is on Redis
			boolean onRedis = ClassUtils.isPresent(LETTUCE_CONNECTOR, context.getClassLoader())
					&& has(context, ClassUtils.resolveClassName(LETTUCE_CONNECTOR, context.getClassLoader()));
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

	private static boolean has(ApplicationContext context, Class<?> type) {
		return context.getBeanNamesForType(type, false, false).length > 0;
	}

}
