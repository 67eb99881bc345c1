package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.lang.reflect.Method;
import java.util.concurrent.Callable;

import io.zeroclaw.resilience.backpressure.Admission;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.http.HttpEntity;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Holds the admission of a {@code @Prioritized} Spring MVC handler method that answers asynchronously (a
 * {@link Callable}, {@link WebAsyncTask}, {@link DeferredResult}, {@link ResponseBodyEmitter} or
 * {@link StreamingResponseBody}, alone or in a {@code ResponseEntity}, or a reactive type) until Spring MVC has
 * finished the request's asynchronous processing, by its end, timeout or error: the work runs after the method has
 * returned. A {@code Callable}'s body runs as admitted work (see {@link AdmittedWork}).
 * <p>
 * Only the current request's own handler method is handed over, since only its return value is certain to be
 * processed, and so to release the slot. Used only when Spring MVC is on the classpath.
 */
final class MvcAsyncHandOver {

	private MvcAsyncHandOver() {
	}

	/**
	 * Hands the admission over to the current request's asynchronous processing, if the method is that request's
	 * handler and its result is processed asynchronously.
	 * @param method the method called
	 * @param target the bean it was called on
	 * @param result what it returned
	 * @param admission the call's admission
	 * @return whether the admission was handed over, and so must not be released now
	 */
	static boolean handOver(Method method, Object target, Object result, Admission admission) {
		if (!isAsync(result)) {
			return false;
		}
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		if (!(attributes instanceof ServletRequestAttributes servletAttributes)) {
			return false;
		}
		HttpServletRequest request = servletAttributes.getRequest();
		if (!(request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE) instanceof HandlerMethod handler)
				|| !isHandler(handler, method, target)) {
			return false;
		}
		ReleaseOnCompletion release = new ReleaseOnCompletion(admission);
		var asyncManager = WebAsyncUtils.getAsyncManager(request);
		asyncManager.registerCallableInterceptor(release, release);
		asyncManager.registerDeferredResultInterceptor(release, release);
		return true;
	}

	private static boolean isAsync(Object result) {
		Object value = (result instanceof HttpEntity<?> entity) ? entity.getBody() : result;
		return value instanceof Callable<?> || value instanceof WebAsyncTask<?> || value instanceof DeferredResult<?>
				|| value instanceof ResponseBodyEmitter || value instanceof StreamingResponseBody
				|| (value != null && ReactiveAdapterRegistry.getSharedInstance().getAdapter(value.getClass()) != null);
	}

	private static boolean isHandler(HandlerMethod handler, Method method, Object target) {
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : method.getDeclaringClass();
		return handler.getMethod().equals(AopUtils.getMostSpecificMethod(method, targetClass));
	}

	/** Releases the admission once the request's asynchronous processing has ended, however it ended. */
	private static final class ReleaseOnCompletion
			implements CallableProcessingInterceptor, DeferredResultProcessingInterceptor {

		private final Admission admission;

		/** What {@link AdmittedWork#enter} returned in the thread that runs the {@code Callable}. */
		private Boolean held;

		ReleaseOnCompletion(Admission admission) {
			this.admission = admission;
		}

		@Override
		public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
			this.held = AdmittedWork.enter();
		}

		@Override
		public <T> void postProcess(NativeWebRequest request, Callable<T> task, Object concurrentResult) {
			AdmittedWork.exit(this.held);
		}

		@Override
		public <T> void afterCompletion(NativeWebRequest request, Callable<T> task) {
			this.admission.close();
		}

		@Override
		public <T> void afterCompletion(NativeWebRequest request, DeferredResult<T> deferredResult) {
			this.admission.close();
		}

	}

}
