package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.provider.Provider;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.util.ClassUtils;

/**
 * What a native image needs for the breakers' proxies beyond what ahead-of-time processing finds in the bean
 * definitions: the upstream types ({@link Provider} and, when on the classpath, Spring AI's model types) are looked
 * up by name, their methods are invoked reflectively by an interface-based proxy (a final class, such as Spring AI's
 * models, or a lambda), and a bean declared by the upstream type alone, such as a lambda {@code Provider}, gets a JDK
 * proxy of that interface whose class is not known at build time. Registered in {@code META-INF/spring/aot.factories}.
 */
class CircuitBreakerRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		registerUpstreamType(hints, Provider.class);
		for (String name : CircuitBreakerBeanPostProcessor.SPRING_AI_TYPES) {
			if (ClassUtils.isPresent(name, classLoader)) {
				registerUpstreamType(hints, ClassUtils.resolveClassName(name, classLoader));
			}
		}
	}

	private static void registerUpstreamType(RuntimeHints hints, Class<?> type) {
		hints.reflection().registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS);
		hints.proxies().registerJdkProxy(AopProxyUtils.completeJdkProxyInterfaces(type));
	}

}
