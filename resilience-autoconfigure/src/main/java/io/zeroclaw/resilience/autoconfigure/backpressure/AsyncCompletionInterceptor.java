package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Right after the {@code @Async} interceptor in a {@code @Prioritized} proxy's chain: runs in the worker thread and
 * releases the admission {@link PrioritizedAdmissionInterceptor} attached to the invocation once the method has
 * returned or thrown and any {@link Future} it returned is done. Waiting on that future costs nothing extra: the
 * {@code @Async} task waits on it right after to complete the caller's future. Calls without an attached admission (all
 * synchronous ones) pass straight through.
 */
final class AsyncCompletionInterceptor implements MethodInterceptor {

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		OnceAdmission admission = (invocation instanceof ProxyMethodInvocation proxyInvocation
				&& proxyInvocation.getUserAttribute(
						PrioritizedAdmissionInterceptor.ADMISSION_ATTRIBUTE) instanceof OnceAdmission attached) ? attached
								: null;
		if (admission == null) {
			return invocation.proceed();
		}
		admission.start();
		boolean held = AdmittedWork.enter();
		try {
			Object result = invocation.proceed();
			if (result instanceof Future<?> future && !future.isDone()) {
				awaitQuietly(future);
			}
			return result;
		}
		finally {
			AdmittedWork.exit(held);
			admission.finish();
		}
	}

	private static void awaitQuietly(Future<?> future) {
		try {
			future.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | CancellationException ex) {
			// The async interceptor reads the same outcome from the future and reports it.
		}
	}

}
