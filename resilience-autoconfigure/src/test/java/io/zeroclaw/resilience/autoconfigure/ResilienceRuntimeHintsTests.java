package io.zeroclaw.resilience.autoconfigure;

import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

class ResilienceRuntimeHintsTests {

	@Test
	void registrarShouldBeListedInAotFactories() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(ResilienceRuntimeHints.class);
	}

	@Test
	void classesTheRedisStoreValidationLooksUpByNameShouldBeRegistered() {
		RuntimeHints hints = new RuntimeHints();
		new ResilienceRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.reflection().onType(RedisConnectionFactory.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(RedisClient.class)).accepts(hints);
	}

}
