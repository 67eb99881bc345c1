package io.zeroclaw.resilience.autoconfigure.web;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.ExceptionHandlerMethodResolver;
import org.springframework.web.servlet.mvc.method.annotation.ExceptionHandlerExceptionResolver;
import org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod;

/**
 * Answers a refusal ({@link CircuitOpenException}, {@link LoadShedException}) with the
 * {@link ResilienceExceptionHandler} when the controller it escapes from has a catch-all {@code @ExceptionHandler}
 * of its own ({@code Exception}, {@code RuntimeException}, {@code Throwable}): Spring MVC asks a controller's own
 * handlers before any advice, so the catch-all would turn the refusal into a 500. A controller's own handler that
 * names a refusal type is left to answer, as is everything else: this resolver then answers nothing and Spring MVC's
 * usual order applies. Put ahead of Spring MVC's own {@link ExceptionHandlerExceptionResolver}, and configured like
 * it.
 */
final class LocalCatchAllExceptionResolver extends ExceptionHandlerExceptionResolver {

	private final ObjectProvider<ResilienceExceptionHandler> handler;

	private final Map<Class<?>, ExceptionHandlerMethodResolver> localResolvers = new ConcurrentHashMap<>();

	private volatile @Nullable ExceptionHandlerMethodResolver handlerResolver;

	LocalCatchAllExceptionResolver(ObjectProvider<ResilienceExceptionHandler> handler) {
		this.handler = handler;
	}

	@Override
	protected @Nullable ServletInvocableHandlerMethod getExceptionHandlerMethod(@Nullable HandlerMethod handlerMethod,
			Exception exception, ServletWebRequest webRequest) {
		if (handlerMethod == null) {
			return null;
		}
		Throwable refusal = refusal(exception);
		if (refusal == null) {
			return null;
		}
		Method local = this.localResolvers
			.computeIfAbsent(handlerMethod.getBeanType(), ExceptionHandlerMethodResolver::new)
			.resolveMethodByThrowable(exception);
		if (local == null || !isCatchAll(local, refusal)) {
			return null;
		}
		ResilienceExceptionHandler bean = this.handler.getIfAvailable();
		if (bean == null) {
			return null;
		}
		ExceptionHandlerMethodResolver resolver = this.handlerResolver;
		if (resolver == null) {
			resolver = new ExceptionHandlerMethodResolver(AopUtils.getTargetClass(bean));
			this.handlerResolver = resolver;
		}
		Method method = resolver.resolveMethodByThrowable(exception);
		return (method != null) ? new ServletInvocableHandlerMethod(bean, method) : null;
	}

	/** The refusal the exception is or is caused by, as Spring MVC's matching of handlers looks down the causes. */
	private static @Nullable Throwable refusal(Throwable exception) {
		Throwable current = exception;
		for (int depth = 0; current != null && depth < 16; depth++) {
			if (current instanceof CircuitOpenException || current instanceof LoadShedException) {
				return current;
			}
			current = current.getCause();
		}
		return null;
	}

	/**
	 * Whether a controller's handler catches the refusal only as one exception among all others: it names a type of
	 * which the refusal itself is an instance ({@code Exception}, {@code RuntimeException}, {@code Throwable}), and
	 * no refusal type. A handler that names a refusal type means to answer it; one that names a type of the
	 * application's own, which wraps the refusal, means to answer that.
	 */
	private static boolean isCatchAll(Method local, Throwable refusal) {
		ExceptionHandler annotation = AnnotatedElementUtils.findMergedAnnotation(local, ExceptionHandler.class);
		Class<?>[] types = (annotation != null && annotation.exception().length > 0) ? annotation.exception()
				: local.getParameterTypes();
		boolean catchesIt = false;
		for (Class<?> type : types) {
			if (CircuitOpenException.class.isAssignableFrom(type) || LoadShedException.class.isAssignableFrom(type)) {
				return false;
			}
			catchesIt |= Throwable.class.isAssignableFrom(type) && type.isInstance(refusal);
		}
		return catchesIt;
	}

}
