package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import io.zeroclaw.resilience.autoconfigure.backpressure.PrioritizedMethods.Plan;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.util.ClassUtils;

/**
 * Admits a {@code @Prioritized} call in the caller's thread, first in its proxy's chain, and releases the slot when the
 * work has finished.
 * <ul>
 * <li>A synchronous call holds its slot for the call, or until the {@link CompletionStage} it returns completes, or,
 * for a Spring MVC handler method that answers asynchronously, until Spring MVC has finished the request (see
 * {@link MvcAsyncHandOver}), or, for a Kotlin {@code suspend} function, until its body has ended (see
 * {@link SuspendedWork}).</li>
 * <li>A call an {@code @Async} interceptor hands to an executor is admitted before the task is queued, so a shed call
 * throws to the caller and queues nothing. The admission travels with the invocation (a user attribute the
 * {@link AsyncCompletionInterceptor}, right after the async interceptor, picks up in the worker thread) and is released
 * there once the method and any future it returned are done. If submitting fails (the executor rejects the task) the
 * caller's thread releases it; if a returned {@link CompletableFuture} completes before the task started (cancelled, or
 * completed by the caller) its completion releases it, and so does the successful cancel of a returned plain
 * {@link Future} whose task had not started. A task that has started holds its slot until it ends, cancelled or not.
 * The worker and the cancelling thread may race; {@link OnceAdmission} decides between them.</li>
 * <li>A synchronous call made while the thread runs admitted work (see {@link AdmittedWork}) is part of that work and is
 * not admitted again, unless it returns a {@link CompletionStage}, whose work may outlast the caller's. So is a Kotlin
 * {@code suspend} function awaited by the body of one that holds its slot (see {@link SuspendedWork}).</li>
 * </ul>
 * A shed call throws {@link LoadShedException}, except a {@code @Scheduled} run's or an event listener's, which is
 * skipped (see {@link PrioritizedMethods.Plan#skippedWhenShed()}).
 * <p>
 * One instance serves one proxy, whose advisors tell which methods are asynchronous.
 */
final class PrioritizedAdmissionInterceptor implements MethodInterceptor {

	/** The invocation attribute carrying the admission to the worker thread. */
	static final String ADMISSION_ATTRIBUTE = PrioritizedAdmissionInterceptor.class.getName() + ".admission";

	private static final boolean MVC_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter",
			PrioritizedAdmissionInterceptor.class.getClassLoader())
			&& ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest",
					PrioritizedAdmissionInterceptor.class.getClassLoader());

	private static final Logger logger = LoggerFactory.getLogger(PrioritizedAdmissionInterceptor.class);

	private final Supplier<BackpressureController> controller;

	private final Advised advised;

	private final AtomicInteger queued;

	private final AtomicReference<@Nullable BiConsumer<Class<?>, Advised>> lateExecutorCheck;

	private final Map<Method, Plan> plans = new ConcurrentHashMap<>();

	PrioritizedAdmissionInterceptor(Supplier<BackpressureController> controller, Advised advised,
			AtomicInteger queued, AtomicReference<@Nullable BiConsumer<Class<?>, Advised>> lateExecutorCheck) {
		this.controller = controller;
		this.advised = advised;
		this.queued = queued;
		this.lateExecutorCheck = lateExecutorCheck;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Plan plan = plan(invocation);
		if (plan.isNone() || (!plan.async() && !plan.suspending() && AdmittedWork.isHeld()
				&& !CompletionStage.class.isAssignableFrom(invocation.getMethod().getReturnType()))
				|| (plan.suspending() && SuspendedWork.isCalledFromHeldBody(invocation.getArguments()))) {
			// Not prioritized, or a synchronous call inside work that already holds an admission: it is part of it.
			// One that returns a CompletionStage, or a suspend function (whose body may resume elsewhere, as an
			// event listener's does after the publisher has returned), may go on after that work has ended, so it is
			// new work; but not a suspend function that a held suspend function's body awaits.
			return invocation.proceed();
		}
		Admission admission;
		try {
			admission = this.controller.get().admit(plan.priority(invocation.getArguments()));
		}
		catch (LoadShedException ex) {
			if (plan.skippedWhenShed()) {
				logger.debug("Skipped {} (shed): {}", invocation.getMethod(), ex.getMessage());
				return plan.suspending() ? SuspendedWork.skipped() : Plan.skippedResult(invocation.getMethod());
			}
			throw ex;
		}
		if (plan.async() && invocation instanceof ProxyMethodInvocation proxyInvocation) {
			return proceedAsync(proxyInvocation, new OnceAdmission(admission, this.queued));
		}
		return proceed(invocation, plan, admission);
	}

	private Plan plan(MethodInvocation invocation) {
		Method method = invocation.getMethod();
		Plan plan = this.plans.get(method);
		if (plan == null) {
			Class<?> targetClass = (invocation.getThis() != null) ? AopUtils.getTargetClass(invocation.getThis())
					: method.getDeclaringClass();
			plan = this.plans.computeIfAbsent(method, (key) -> Plan.of(key, targetClass, this.advised));
			BiConsumer<Class<?>, Advised> check = this.lateExecutorCheck.get();
			if (plan.async() && check != null) {
				check.accept(targetClass, this.advised);
			}
		}
		return plan;
	}

	private @Nullable Object proceed(MethodInvocation invocation, Plan plan, Admission callAdmission)
			throws Throwable {
		boolean handedOver = false;
		Admission admission = plan.suspending() ? SuspendedWork.markBody(invocation, callAdmission) : callAdmission;
		boolean held = AdmittedWork.enter();
		try {
			Object result = invocation.proceed();
			if (result instanceof CompletionStage<?> stage) {
				stage.whenComplete((value, failure) -> admission.close());
				handedOver = true;
			}
			else if (MVC_PRESENT && result != null) {
				handedOver = MvcAsyncHandOver.handOver(invocation.getMethod(), invocation.getThis(), result, admission);
			}
			if (!handedOver && plan.suspending()) {
				Object holding = SuspendedWork.holdUntilDone(result, admission);
				if (holding != null) {
					handedOver = true;
					return holding;
				}
			}
			return result;
		}
		finally {
			AdmittedWork.exit(held);
			if (!handedOver) {
				admission.close();
			}
		}
	}

	private @Nullable Object proceedAsync(ProxyMethodInvocation invocation, OnceAdmission admission) throws Throwable {
		invocation.setUserAttribute(ADMISSION_ATTRIBUTE, admission);
		Object result;
		try {
			result = invocation.proceed();
		}
		catch (Throwable ex) {
			// Nothing was queued: the executor rejected the task, or the async interceptor could not submit it.
			admission.abandon();
			throw ex;
		}
		if (result instanceof CompletableFuture<?> future) {
			// Completes after the task ran, or before it started (cancelled or completed by the caller), and then
			// the task never runs to release the slot.
			future.whenComplete((value, failure) -> admission.abandon());
		}
		else if (result instanceof Future<?> future && invocation.getMethod().getReturnType() == Future.class) {
			// A plain Future (a FutureTask) cancelled while queued never runs its task, so nothing in the worker
			// would release the slot: its successful cancel does.
			return new ReleasingFuture<>(future, admission);
		}
		return result;
	}

	/** A task's {@link Future} whose successful {@link #cancel} releases the admission of a task not yet started. */
	private static final class ReleasingFuture<T extends @Nullable Object> implements Future<T> {

		private final Future<T> future;

		private final OnceAdmission admission;

		ReleasingFuture(Future<T> future, OnceAdmission admission) {
			this.future = future;
			this.admission = admission;
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			boolean cancelled = this.future.cancel(mayInterruptIfRunning);
			if (cancelled) {
				this.admission.abandon();
			}
			return cancelled;
		}

		@Override
		public boolean isCancelled() {
			return this.future.isCancelled();
		}

		@Override
		public boolean isDone() {
			return this.future.isDone();
		}

		@Override
		public T get() throws InterruptedException, ExecutionException {
			return this.future.get();
		}

		@Override
		public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
			return this.future.get(timeout, unit);
		}

	}

}
