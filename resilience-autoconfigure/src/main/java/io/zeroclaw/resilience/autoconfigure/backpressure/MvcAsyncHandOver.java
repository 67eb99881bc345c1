package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.lang.reflect.Method;
import java.util.concurrent.Callable;

import io.zeroclaw.resilience.backpressure.Admission;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

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
 * {@link Callable}, {@link WebAsyncTask} or {@link DeferredResult}; a {@link ResponseBodyEmitter},
 * {@link StreamingResponseBody} or reactive type, alone or in a {@code ResponseEntity}: what Spring MVC processes
 * asynchronously) until Spring MVC has finished the request's asynchronous processing, by its end, time-out or error:
 * the work runs after the method has returned. A {@code Callable}'s body runs as admitted work (see
 * {@link AdmittedWork}), and holds the slot until it ends even past a time-out, as an {@code @Async} task does.
 * <p>
 * Only the current request's own handler method is handed over, since only its return value is processed; and if
 * the request's asynchronous processing never starts (it failed to), the slot is released when the request ends.
 * Used only when Spring MVC is on the classpath.
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
	static boolean handOver(Method method, @Nullable Object target, Object result, Admission admission) {
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
		// Run when the handling thread is done with the request: asynchronous processing has started by then, or
		// never will (it failed to start), and then nothing else would release the slot.
		servletAttributes.registerDestructionCallback(MvcAsyncHandOver.class.getName() + "@"
				+ Integer.toHexString(System.identityHashCode(release)), () -> {
					if (!request.isAsyncStarted()) {
						admission.close();
					}
				}, RequestAttributes.SCOPE_REQUEST);
		return true;
	}

	/** Whether Spring MVC processes the value asynchronously, as its return value handlers decide. */
	private static boolean isAsync(Object result) {
		if (result instanceof Callable<?> || result instanceof WebAsyncTask<?> || result instanceof DeferredResult<?>) {
			return true;
		}
		Object value = (result instanceof HttpEntity<?> entity) ? entity.getBody() : result;
		return value instanceof ResponseBodyEmitter || value instanceof StreamingResponseBody
				|| (value != null && ReactiveAdapterRegistry.getSharedInstance().getAdapter(value.getClass()) != null);
	}

	private static boolean isHandler(HandlerMethod handler, Method method, @Nullable Object target) {
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : method.getDeclaringClass();
		return handler.getMethod().equals(AopUtils.getMostSpecificMethod(method, targetClass));
	}

	/**
	 * Releases the admission once the request's asynchronous processing has ended, however it ended, and, for a
	 * {@code Callable} whose body has started, once that body has ended too.
	 */
	private static final class ReleaseOnCompletion
			implements CallableProcessingInterceptor, DeferredResultProcessingInterceptor {

		private final Admission admission;

		/** What {@link AdmittedWork#enter} returned in the thread that runs the {@code Callable}. */
		private boolean held;

		private boolean bodyRunning;

		private boolean completed;

		/**
		 * Set by whichever of the request's completion and the body's end gives the slot back: the request may
		 * complete (a timeout) after the worker has started the task but before the body runs, and the body, which
		 * then runs without a slot, must not give it back a second time.
		 */
		private boolean released;

		ReleaseOnCompletion(Admission admission) {
			this.admission = admission;
		}

		@Override
		public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
			synchronized (this) {
				this.bodyRunning = true;
			}
			this.held = AdmittedWork.enter();
		}

		@Override
		public <T> void postProcess(NativeWebRequest request, Callable<T> task, @Nullable Object concurrentResult) {
			AdmittedWork.exit(this.held);
			boolean release;
			synchronized (this) {
				this.bodyRunning = false;
				release = this.completed && !this.released;
				this.released |= release;
			}
			if (release) {
				this.admission.close();
			}
		}

		@Override
		public <T> void afterCompletion(NativeWebRequest request, Callable<T> task) {
			boolean release;
			synchronized (this) {
				this.completed = true;
				release = !this.bodyRunning && !this.released;
				this.released |= release;
			}
			if (release) {
				this.admission.close();
			}
		}

		@Override
		public <T> void afterCompletion(NativeWebRequest request, DeferredResult<T> deferredResult) {
			this.admission.close();
		}

	}

}
