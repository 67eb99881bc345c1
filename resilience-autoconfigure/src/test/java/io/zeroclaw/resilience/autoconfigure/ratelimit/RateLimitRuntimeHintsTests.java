package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitRuntimeHintsTests {

	@Test
	void healthGroupPathShouldBeBindableInANativeImage() throws Exception {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(RateLimitRuntimeHints.class);
		RuntimeHints hints = new RuntimeHints();
		new RateLimitRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.reflection()
			.onConstructorInvocation(RateLimitAutoConfiguration.HealthGroupPath.class.getDeclaredConstructor()))
			.accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(RateLimitAutoConfiguration.HealthGroupPath.class, "setAdditionalPath"))
			.accepts(hints);
	}

	@Test
	void bootsRedisAutoConfigurationShouldBeFoundByNameInANativeImage() {
		RuntimeHints hints = new RuntimeHints();
		new RateLimitRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.reflection().onType(TypeReference.of(
				RedisRateLimiterConfiguration.DATA_REDIS_AUTO_CONFIGURATION))).accepts(hints);
	}

}
