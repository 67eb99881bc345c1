package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * What a native image needs for rate limiting beyond what ahead-of-time processing finds: the type that the health
 * groups' additional paths are bound to when the default {@code exclude-paths} is worked out, and Spring Boot's Redis
 * auto-configuration, looked up by name. Registered in
 * {@code META-INF/spring/aot.factories}.
 */
class RateLimitRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		BindableRuntimeHintsRegistrar.forTypes(RateLimitAutoConfiguration.HealthGroupPath.class)
			.registerHints(hints, classLoader);
		// looked up by name to tell why a Redis store has no connection factory
		hints.reflection()
			.registerTypeIfPresent(classLoader, RedisRateLimiterConfiguration.DATA_REDIS_AUTO_CONFIGURATION);
	}

}
