package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Registers the exception classes named by {@code zeroclaw.resilience.circuit-breaker.ignore-exceptions} at build
 * time, as ahead-of-time processing sees the property: they are loaded by name when the properties are validated and
 * the breakers made, which a native image does only for the classes it was told of. A class named only at run time
 * must be registered by the application ({@code @RegisterReflection} or a {@code RuntimeHintsRegistrar}). Registered
 * in {@code META-INF/spring/aot.factories}.
 */
class IgnoredExceptionsAotProcessor implements BeanFactoryInitializationAotProcessor {

	static final String PROPERTY = "zeroclaw.resilience.circuit-breaker.ignore-exceptions";

	@Override
	public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
			ConfigurableListableBeanFactory beanFactory) {
		if (!beanFactory.containsBean(ConfigurableApplicationContext.ENVIRONMENT_BEAN_NAME)) {
			return null;
		}
		Environment environment = beanFactory.getBean(ConfigurableApplicationContext.ENVIRONMENT_BEAN_NAME,
				Environment.class);
		ClassLoader classLoader = beanFactory.getBeanClassLoader();
		// resolved as the breakers load them, so that a nested class written with a dot is registered by its
		// binary name (Outer$Inner), the one a native image looks it up by
		List<Class<?>> classes = Binder.get(environment)
			.bind(PROPERTY, Bindable.listOf(String.class))
			.orElse(List.of())
			.stream()
			.map(String::trim)
			.filter((name) -> ClassUtils.isPresent(name, classLoader))
			.<Class<?>>map((name) -> ClassUtils.resolveClassName(name, classLoader))
			.toList();
		if (classes.isEmpty()) {
			return null;
		}
		return (generationContext, code) -> classes
			.forEach((type) -> generationContext.getRuntimeHints().reflection().registerType(type));
	}

}
