package io.zeroclaw.resilience.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What a native image needs for {@link ResilienceProperties}: the classes that the validation of the Redis store
 * looks up by name, so that they are found in an image that has them. Registered in
 * {@code META-INF/spring/aot.factories}.
 */
class ResilienceRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		for (String name : ResiliencePropertiesValidator.CLASSES_LOOKED_UP_BY_NAME) {
			hints.reflection().registerTypeIfPresent(classLoader, name);
		}
	}

}
