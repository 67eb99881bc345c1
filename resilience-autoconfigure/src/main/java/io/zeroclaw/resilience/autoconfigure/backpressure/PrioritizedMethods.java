package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ProxyShapes;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.Advisor;
import org.springframework.aop.PointcutAdvisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.interceptor.AsyncExecutionInterceptor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.SmartFactoryBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.ApplicationListener;
import org.springframework.context.Lifecycle;
import org.springframework.context.Phased;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.core.KotlinDetector;
import org.springframework.core.MethodParameter;
import org.springframework.core.Nullness;
import org.springframework.core.Ordered;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.scheduling.annotation.Async;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds which methods are {@link Prioritized}, at which priority, and whether a call is handed to an executor by an
 * {@code @Async} interceptor of the same proxy.
 */
final class PrioritizedMethods {

	private static final Logger logger = LoggerFactory.getLogger(PrioritizedMethods.class);

	/** Matches every method that carries {@link Prioritized}, or is declared by a type (or interface) that does. */
	static final StaticMethodMatcherPointcut POINTCUT = new StaticMethodMatcherPointcut() {

		@Override
		public boolean matches(Method method, Class<?> targetClass) {
			return find(method, targetClass) != null;
		}

	};

	/** The interfaces whose methods the container calls on a bean, {@link #isContainerCallback}. */
	private static final List<Class<?>> CONTAINER_CALLBACKS = List.of(SmartLifecycle.class, Lifecycle.class,
			Phased.class, Ordered.class, SmartInitializingSingleton.class, SmartFactoryBean.class, FactoryBean.class,
			InitializingBean.class, DisposableBean.class, AutoCloseable.class, ApplicationListener.class,
			SmartApplicationListener.class, GenericApplicationListener.class);

	private PrioritizedMethods() {
	}

	/**
	 * @return the annotation that applies to the method, looked up on the method, then on its type; {@code null} when
	 * none applies
	 */
	static @Nullable Prioritized find(Method method, Class<?> targetClass) {
		if (ReflectionUtils.isObjectMethod(method)) {
			// Object's methods and their overrides (toString, equals, hashCode) are not work: a type-level
			// @Prioritized must not make logging the bean take a slot, or throw when the queue is full
			return null;
		}
		Class<?> type = (targetClass != null) ? targetClass : method.getDeclaringClass();
		Method specific = AopUtils.getMostSpecificMethod(method, type);
		Prioritized found = AnnotatedElementUtils.findMergedAnnotation(specific, Prioritized.class);
		if (found == null && specific != method) {
			found = AnnotatedElementUtils.findMergedAnnotation(method, Prioritized.class);
		}
		if (found != null) {
			return found;
		}
		if (isContainerCallback(method, type)) {
			// a whole type's annotation covers its work, not what the container calls on it: a lifecycle's stop()
			// shed by the drain would leave the bean running at shutdown
			return null;
		}
		found = AnnotatedElementUtils.findMergedAnnotation(type, Prioritized.class);
		if (found == null && type != method.getDeclaringClass()) {
			found = AnnotatedElementUtils.findMergedAnnotation(method.getDeclaringClass(), Prioritized.class);
		}
		return found;
	}

	/**
	 * Whether the method implements a method of one of the callback interfaces the container calls on a bean (its life
	 * cycle, its phase and order, its creation as a factory's product, its initialization and destruction, the events
	 * it delivers, also to {@code @EventListener} methods) or {@code AutoCloseable.close()}.
	 */
	private static boolean isContainerCallback(Method method, Class<?> type) {
		if (ProxyShapes.isEventListener(AopUtils.getMostSpecificMethod(method, type))) {
			return true; // the container's event delivery: shed, a ContextClosedEvent would not reach its listener
		}
		for (Class<?> callbacks : CONTAINER_CALLBACKS) {
			// the callback interface's own methods only: an application's interface extending it declares work
			if (ProxyShapes.implementsMethodOf(method, type, callbacks)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * How calls of one method are admitted: at a fixed priority unless a {@link Priority} argument says otherwise, and
	 * held either for the call or, when an {@code @Async} interceptor hands the call to an executor, until the task
	 * has run.
	 *
	 * @param priority the annotation's priority
	 * @param priorityArgument index of the first {@link Priority} parameter, or -1
	 * @param async whether the proxy runs the call on an executor
	 * @param suspending whether the method is a Kotlin {@code suspend} function run by Spring's coroutine support: the
	 * call returns a lazy {@code Mono} of its body, which the proxy awaits at once
	 * @param skippedWhenShed whether a shed call is skipped rather than refused: a method the container calls where no
	 * caller of the application's waits for it, a {@code @Scheduled} run (not a reactive one, whose publisher Spring
	 * subscribes to on each run) or an event's delivery to an {@code @EventListener} method or an
	 * {@code ApplicationListener}; thrown, the refusal would reach the scheduler's error handler (an ERROR for every
	 * shed run) or the event's publisher (and the listeners after this one would miss the event). A Kotlin
	 * {@code suspend} function of either kind is skipped too where its Kotlin return type allows nothing ({@code Unit},
	 * nullable, a {@code Flow}): its call answers an empty {@code Mono}, which Spring awaits as the body's end.
	 */
	record Plan(@Nullable Priority priority, int priorityArgument, boolean async, boolean suspending,
			boolean skippedWhenShed) {

		/** A method the advisor should not have matched: call it without admission. */
		static final Plan NONE = new Plan(null, -1, false, false, false);

		/** Whether Spring runs {@code suspend} functions through Reactor (as {@code AopUtils} decides). */
		private static final boolean COROUTINES_REACTOR_PRESENT = ClassUtils.isPresent(
				"kotlinx.coroutines.reactor.MonoKt", PrioritizedMethods.class.getClassLoader());

		static Plan of(Method method, Class<?> targetClass, Advised advised) {
			Prioritized prioritized = find(method, targetClass);
			if (prioritized == null) {
				return NONE;
			}
			int priorityArgument = -1;
			Class<?>[] parameterTypes = method.getParameterTypes();
			for (int i = 0; i < parameterTypes.length; i++) {
				if (parameterTypes[i] == Priority.class) {
					priorityArgument = i;
					break;
				}
			}
			boolean async = isAsync(method, targetClass, advised);
			if (!async && isAnnotatedAsync(method, targetClass)) {
				logger.warn("{}.{} is @Async and @Prioritized, but no @Async advice applies to it (is @EnableAsync "
						+ "missing, or is it in AspectJ mode?): it runs in the caller's thread and holds its slot for "
						+ "the whole call", targetClass.getName(), method.getName());
			}
			boolean suspending = COROUTINES_REACTOR_PRESENT && KotlinDetector.isSuspendingFunction(method);
			return new Plan(prioritized.value(), priorityArgument, async, suspending,
					isSkippedWhenShed(method, targetClass, suspending));
		}

		private static boolean isSkippedWhenShed(Method method, Class<?> targetClass, boolean suspending) {
			Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
			if (KotlinDetector.isSuspendingFunction(method)) {
				// the container runs its body through Reactor and awaits the proxy's Mono: an empty one skips it (a
				// listener's follow-ups are the Mono's value, so none is published); without Reactor Spring refuses
				// such a method itself. An application calling it directly gets null, so only where its Kotlin type
				// allows that: Unit, a nullable type, or a Flow (which the proxy makes of the Mono, empty)
				return suspending && (ProxyShapes.isScheduled(specific) || ProxyShapes.isEventListener(specific))
						&& mayAnswerNothing(method);
			}
			if (ProxyShapes.isEventListener(specific) || isApplicationListenerDelivery(method, targetClass)) {
				// a listener's result is published as an event: none (null) publishes nothing, but a primitive's zero
				// would be published, so a listener returning a primitive is refused as any call
				return !method.getReturnType().isPrimitive() || method.getReturnType() == void.class;
			}
			return ProxyShapes.isScheduled(specific)
					&& ReactiveAdapterRegistry.getSharedInstance().getAdapter(method.getReturnType()) == null;
		}

		/**
		 * Whether a Kotlin {@code suspend} function may end with nothing: its Kotlin return type is {@code Unit}, a
		 * {@code Flow}, or nullable.
		 */
		private static boolean mayAnswerNothing(Method method) {
			// the Kotlin type: Unit is void, and nullness is Kotlin's (an Optional is not null)
			Class<?> type = new MethodParameter(method, -1).getParameterType();
			return type == void.class || type == Void.class || type.getName().equals("kotlin.Unit")
					|| type.getName().equals("kotlinx.coroutines.flow.Flow")
					|| Nullness.forMethodReturnType(method) == Nullness.NULLABLE;
		}

		/**
		 * Whether the method is the event delivery of an {@code ApplicationListener}: its implementation of
		 * {@code onApplicationEvent}, not a work method of the same name.
		 */
		private static boolean isApplicationListenerDelivery(Method method, Class<?> targetClass) {
			return method.getName().equals("onApplicationEvent")
					&& ProxyShapes.implementsMethodOf(method, targetClass, ApplicationListener.class);
		}

		/**
		 * What a skipped call returns: nothing, or a primitive's zero, which the proxy can hand back.
		 * @param method the method skipped
		 * @return {@code null}, or the zero of a primitive return type
		 */
		static @Nullable Object skippedResult(Method method) {
			Class<?> type = method.getReturnType();
			return (type.isPrimitive() && type != void.class) ? Array.get(Array.newInstance(type, 1), 0) : null;
		}

		private static boolean isAnnotatedAsync(Method method, Class<?> targetClass) {
			Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
			return AnnotatedElementUtils.hasAnnotation(specific, Async.class)
					|| AnnotatedElementUtils.hasAnnotation(targetClass, Async.class);
		}

		/**
		 * Whether one of the proxy's advisors hands this method to an executor. Spring's {@code @Async} support adds an
		 * advisor whose advice is an {@link AsyncExecutionInterceptor}; asking its pointcut covers custom async
		 * annotations and executor qualifiers alike.
		 */
		private static boolean isAsync(Method method, Class<?> targetClass, Advised advised) {
			for (Advisor advisor : advised.getAdvisors()) {
				if (advisor.getAdvice() instanceof AsyncExecutionInterceptor
						&& advisor instanceof PointcutAdvisor pointcutAdvisor
						&& pointcutAdvisor.getPointcut().getClassFilter().matches(targetClass)
						&& pointcutAdvisor.getPointcut().getMethodMatcher().matches(method, targetClass)) {
					return true;
				}
			}
			return false;
		}

		boolean isNone() {
			return this.priority == null;
		}

		Priority priority(@Nullable Object[] arguments) {
			if (this.priorityArgument >= 0 && arguments[this.priorityArgument] instanceof Priority argument) {
				return argument;
			}
			return this.priority;
		}

	}

}
