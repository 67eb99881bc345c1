package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Instance;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.util.ClassUtils;

/**
 * Creates breakers from {@code zeroclaw.resilience.circuit-breaker.*}: the defaults, overridden field by field by
 * {@code instances.<beanName>.*}, with {@code ignore-exceptions} as the ignore predicate.
 */
public class PropertiesCircuitBreakerFactory implements CircuitBreakerFactory, BeanFactoryAware {

	private final ResilienceProperties.CircuitBreaker properties;

	private final LongSupplier nanoClock;

	private final Predicate<Throwable> ignored;

	/** Whether a name is a bean's, so that an {@code instances} key spelling one applies to that bean only. */
	private Predicate<String> beanNames = (name) -> false;

	/** The {@code instances} keys by their relaxed form, made on first use. */
	private volatile @Nullable InstanceKeys keys;

	/**
	 * @param properties the circuit-breaker properties, already validated
	 * @param classLoader loads the {@code ignore-exceptions} classes
	 * @param nanoClock the breakers' clock, {@code System::nanoTime} outside tests
	 */
	public PropertiesCircuitBreakerFactory(ResilienceProperties.CircuitBreaker properties,
			@Nullable ClassLoader classLoader, LongSupplier nanoClock) {
		this.properties = Objects.requireNonNull(properties, "properties must not be null");
		this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock must not be null");
		this.ignored = ignorePredicate(properties.getIgnoreExceptions(), classLoader);
	}

	@Override
	public CircuitBreaker create(String name) {
		return new CircuitBreaker(name, config(name), this.nanoClock, this.ignored);
	}

	/**
	 * @param name a bean name
	 * @return the configuration of that bean's breaker: its instance overrides over the defaults
	 */
	public CircuitBreakerConfig config(String name) {
		Instance instance = instance(name);
		if (instance == null) {
			return new CircuitBreakerConfig(this.properties.getFailureThreshold(),
					this.properties.getRecoveryTimeout(), this.properties.getHalfOpenMaxRequests());
		}
		return new CircuitBreakerConfig(
				orDefault(instance.getFailureThreshold(), this.properties.getFailureThreshold()),
				orDefault(instance.getRecoveryTimeout(), this.properties.getRecoveryTimeout()),
				orDefault(instance.getHalfOpenMaxRequests(), this.properties.getHalfOpenMaxRequests()));
	}

	/**
	 * Finds the overrides of a bean: under its exact name, or else under a name that differs only in case and dashes
	 * (the forms relaxed binding and environment variables give, such as {@code demo-provider} for
	 * {@code demoProvider}), unless that name is another bean's exact name ({@code MistralChat} does not take the
	 * overrides of {@code mistralChat}).
	 * @param beanName a bean name
	 * @return the bean's overrides, or {@code null} when it has none
	 */
	private @Nullable Instance instance(String beanName) {
		InstanceKeys keys = InstanceKeys.of(this.properties.getInstances(), this.keys);
		this.keys = keys;
		return keys.find(beanName, this.beanNames);
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanNames = beanFactory::containsBean;
	}

	private static Predicate<Throwable> ignorePredicate(List<String> classNames, @Nullable ClassLoader classLoader) {
		List<Class<?>> types = new ArrayList<>();
		for (String className : classNames) {
			types.add(ClassUtils.resolveClassName(className.trim(), classLoader));
		}
		if (types.isEmpty()) {
			return (ex) -> false;
		}
		Class<?>[] ignoredTypes = types.toArray(new Class<?>[0]);
		return (ex) -> {
			for (Class<?> type : ignoredTypes) {
				if (type.isInstance(ex)) {
					return true;
				}
			}
			return false;
		};
	}

	private static <T> T orDefault(@Nullable T value, T fallback) {
		return (value != null) ? value : fallback;
	}

}
