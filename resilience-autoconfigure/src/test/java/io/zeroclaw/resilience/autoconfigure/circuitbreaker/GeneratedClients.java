package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.function.Supplier;

/**
 * Providers made the way client libraries (Feign, Retrofit) make theirs: a JDK proxy of an interface, whose class has
 * no generic signatures of its own.
 */
final class GeneratedClients {

	private GeneratedClients() {
	}

	/**
	 * @param api the client's interface, a {@code Provider} and a {@code Function} whose {@code apply} is the call
	 * @param answer what each {@code apply} answers
	 * @return the generated client
	 */
	static <T> T generated(Class<T> api, Supplier<Object> answer) {
		return api.cast(Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] { api },
				(proxy, method, args) -> switch (method.getName()) {
					case "apply" -> answer.get();
					case "chatWithSystem" -> "ok";
					case "toString" -> "generated client";
					case "hashCode" -> System.identityHashCode(proxy);
					case "equals" -> proxy == args[0];
					default -> {
						if (method.isDefault()) {
							yield InvocationHandler.invokeDefault(proxy, method, args);
						}
						throw new UnsupportedOperationException(method.getName());
					}
				}));
	}

}
