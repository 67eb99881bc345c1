package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.zeroclaw.resilience.autoconfigure.ProxyShapes;
import io.zeroclaw.resilience.provider.Provider;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.beans.factory.BeanNotOfRequiredTypeException;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.SimpleAliasRegistry;

/**
 * Explains why a bean that the breaker's post-processor proxied by its interfaces cannot be injected by its class. A
 * proxy cannot subclass a final or sealed class, nor override a final method that implements an upstream method, so
 * the breaker's proxy implements the bean's interfaces only; Spring AI's model classes are final, and injecting, say,
 * {@code OpenAiChatModel} rather than {@code ChatModel} is then the usual first failure. Spring Boot's own report of it
 * suggests {@code proxyTargetClass}, which cannot help here. Ordered ahead of that report. A proxy by interfaces that
 * something else made (method validation told to proxy interfaces) is left to that report: turning the breaker off
 * would not change it.
 */
class GuardedBeanInjectionFailureAnalyzer extends AbstractFailureAnalyzer<BeanNotOfRequiredTypeException>
		implements Ordered {

	private static final Set<String> GUARDED_TYPES = guardedTypes();

	private final BeanFactory beanFactory;

	GuardedBeanInjectionFailureAnalyzer(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	private static Set<String> guardedTypes() {
		Set<String> types = new HashSet<>(Arrays.asList(CircuitBreakerBeanPostProcessor.SPRING_AI_TYPES));
		types.add(Provider.class.getName());
		return Set.copyOf(types);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BeanNotOfRequiredTypeException cause) {
		Class<?> actual = cause.getActualType();
		Class<?> required = cause.getRequiredType();
		Class<?> beanClass = proxiedByTheBreaker(cause.getBeanName());
		if (beanClass == null || !Proxy.isProxyClass(actual) || required.isInterface()
				|| !required.isAssignableFrom(beanClass)) {
			return null;
		}
		List<Class<?>> interfaces = Arrays.stream(actual.getInterfaces())
			.filter((type) -> !type.getName().startsWith("org.springframework.aop."))
			.filter((type) -> !type.getName().startsWith("org.springframework.core.DecoratingProxy"))
			.toList();
		if (interfaces.isEmpty()) {
			return null;
		}
		String example = interfaces.stream()
			.map(Class::getName)
			.filter(GUARDED_TYPES::contains)
			.findFirst()
			.orElse(interfaces.get(0).getName());
		String description = String.format("The bean '%s' could not be injected as a '%s'. ZeroClaw Resilience guards "
				+ "it with a circuit breaker, and as %s, the breaker's proxy implements its interfaces only: %s.",
				cause.getBeanName(), required.getName(), ProxyShapes.whyInterfaceProxy(beanClass)[0],
				interfaces.stream().map(Class::getName).collect(Collectors.joining(", ")));
		String action = String.format("Inject the bean by one of those interfaces, for example %s, or leave it "
				+ "without a breaker: zeroclaw.resilience.circuit-breaker.instances%s.enabled=false",
				example, instanceKey(cause.getBeanName()));
		return new FailureAnalysis(description, action, cause);
	}

	/**
	 * The bean's entry under {@code instances}, as a user can copy it: by the bean's own name (an alias names no
	 * instance), in brackets when the name holds what a property name cannot (the dots of a class name).
	 */
	private String instanceKey(String beanName) {
		String name = BeanFactoryUtils.transformedBeanName(beanName);
		if (this.beanFactory instanceof SimpleAliasRegistry aliases) {
			name = aliases.canonicalName(name);
		}
		return name.matches("[A-Za-z0-9_-]+") ? "." + name : "[" + name + "]";
	}

	/** The bean's class if the breaker proxied it by its interfaces; the name may be an alias, or a parent's bean. */
	private @Nullable Class<?> proxiedByTheBreaker(String beanName) {
		if (!(this.beanFactory instanceof ConfigurableListableBeanFactory factory)) {
			return null;
		}
		try {
			return (factory.getMergedBeanDefinition(beanName)
				.getAttribute(CircuitBreakerBeanPostProcessor.INTERFACE_PROXY_ATTRIBUTE) instanceof Class<?> type)
					? type : null;
		}
		catch (NoSuchBeanDefinitionException ex) {
			return null;
		}
	}

}
