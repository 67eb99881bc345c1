package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.zeroclaw.resilience.provider.Provider;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.Advised;
import org.springframework.beans.factory.BeanNotOfRequiredTypeException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Explains why a guarded bean of a {@code final} class cannot be injected by its class. The breaker's proxy cannot
 * subclass a final class, so it implements the bean's interfaces only; Spring AI's model classes are final, and
 * injecting, say, {@code OpenAiChatModel} rather than {@code ChatModel} is then the usual first failure. Spring Boot's
 * own report of it suggests {@code proxyTargetClass}, which cannot help here. Ordered ahead of that report.
 */
class GuardedBeanInjectionFailureAnalyzer extends AbstractFailureAnalyzer<BeanNotOfRequiredTypeException>
		implements Ordered {

	private static final Set<String> GUARDED_TYPES = guardedTypes();

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
		if (!Proxy.isProxyClass(actual) || !Advised.class.isAssignableFrom(actual) || required.isInterface()
				|| !Modifier.isFinal(required.getModifiers())) {
			return null;
		}
		List<String> interfaces = Arrays.stream(actual.getInterfaces())
			.filter((type) -> !type.getName().startsWith("org.springframework.aop."))
			.filter((type) -> !type.getName().startsWith("org.springframework.core.DecoratingProxy"))
			.map(Class::getName)
			.toList();
		List<String> guarded = interfaces.stream().filter(GUARDED_TYPES::contains).toList();
		if (guarded.isEmpty()) {
			return null;
		}
		String description = String.format("The bean '%s' could not be injected as a '%s'. ZeroClaw Resilience guards "
				+ "it with a circuit breaker, and as %s is a final class, the breaker's proxy implements its "
				+ "interfaces only: %s.", cause.getBeanName(), required.getName(), required.getSimpleName(),
				String.join(", ", interfaces));
		String action = String.format("Inject the bean by one of those interfaces, for example %s, or leave it "
				+ "without a breaker: zeroclaw.resilience.circuit-breaker.instances.%s.enabled=false", guarded.get(0),
				cause.getBeanName());
		return new FailureAnalysis(description, action, cause);
	}

}
