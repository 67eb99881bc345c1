package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.interceptor.AsyncExecutionAspectSupport;
import org.springframework.aop.interceptor.AsyncExecutionInterceptor;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.task.support.TaskExecutorAdapter;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.util.ReflectionUtils;

/**
 * Warns at start-up (and, for a bean created later, a lazy one, at its first asynchronous call) of an
 * {@code @Async @Prioritized} method whose executor drops the tasks it cannot take without saying so
 * ({@link ThreadPoolExecutor.DiscardPolicy}, {@link ThreadPoolExecutor.DiscardOldestPolicy}). Such a task gives its
 * slot back when it ends, or when the executor refuses it with an exception; a task dropped in silence does neither,
 * so its slot stays taken until the application stops, and the queue fills with work that will never run until
 * everything but {@code CRITICAL} is shed. Nothing in the dropped task can be reached to give the slot back, so the
 * remedy is the executor's policy: one that throws. {@link ThreadPoolExecutor.CallerRunsPolicy} is no remedy, as it
 * drops in silence too once the executor is shut down (which a pool with {@code strictEarlyShutdown} is while the web
 * server still finishes its requests).
 * <p>
 * The executor is the one Spring's {@code @Async} support picks for the method (its qualifier, an
 * {@code AsyncConfigurer}'s, the default), asked of the proxy's own async interceptor, and looked through Spring's
 * adapters to the JDK pool behind it.
 */
final class DiscardingExecutorCheck implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(DiscardingExecutorCheck.class);

	private static final @Nullable Method DETERMINE_EXECUTOR = ReflectionUtils
		.findMethod(AsyncExecutionAspectSupport.class, "determineAsyncExecutor", Method.class);

	private static final @Nullable Field ADAPTED_EXECUTOR = ReflectionUtils.findField(TaskExecutorAdapter.class,
			"concurrentExecutor", Executor.class);

	private final Supplier<Map<Class<?>, Advised>> proxies;

	private final Consumer<BiConsumer<Class<?>, Advised>> laterBeans;

	/** The pools warned of, once each. */
	private final Set<ThreadPoolExecutor> warned = Collections.synchronizedSet(
			Collections.newSetFromMap(new IdentityHashMap<>()));

	/** The classes of bean checked. */
	private final Set<Class<?>> checked = ConcurrentHashMap.newKeySet();

	/**
	 * @param proxies a proxy per class of bean with {@code @Prioritized} methods
	 * @param laterBeans takes the check to run on the proxy of a bean created after start-up (a lazy one), at its
	 * first asynchronous {@code @Prioritized} call
	 */
	DiscardingExecutorCheck(Supplier<Map<Class<?>, Advised>> proxies,
			Consumer<BiConsumer<Class<?>, Advised>> laterBeans) {
		this.proxies = proxies;
		this.laterBeans = laterBeans;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.proxies.get().forEach(this::check);
		this.laterBeans.accept(this::check);
	}

	private void check(Class<?> targetClass, Advised advised) {
		AsyncExecutionInterceptor async = asyncInterceptor(advised);
		if (async == null || !this.checked.add(targetClass)) {
			return;
		}
		ReflectionUtils.doWithMethods(targetClass, (method) -> {
			ThreadPoolExecutor pool = pool(executor(async, method));
			if (pool != null && discards(pool) && this.warned.add(pool)) {
				logger.warn("The executor of @Async @Prioritized method {}.{} drops the tasks it cannot take "
						+ "without an exception ({}): a task it drops never runs and keeps its backpressure slot "
						+ "until the application stops, so the queue fills with work that will never run and "
						+ "sheds everything but CRITICAL. Give it a rejection policy that throws (AbortPolicy, the "
						+ "default; not CallerRunsPolicy, which drops tasks the same way once the executor is shut "
						+ "down), and room for max-queue-depth tasks.", targetClass.getSimpleName(), method.getName(),
						pool.getRejectedExecutionHandler().getClass().getName().replace('$', '.'));
			}
		}, (method) -> PrioritizedMethods.find(method, targetClass) != null && isAsync(method, targetClass));
	}

	private static @Nullable AsyncExecutionInterceptor asyncInterceptor(Advised advised) {
		for (Advisor advisor : advised.getAdvisors()) {
			if (advisor.getAdvice() instanceof AsyncExecutionInterceptor interceptor) {
				return interceptor;
			}
		}
		return null;
	}

	private static boolean isAsync(Method method, Class<?> targetClass) {
		return AnnotatedElementUtils.findMergedAnnotation(method, Async.class) != null
				|| AnnotatedElementUtils.findMergedAnnotation(targetClass, Async.class) != null;
	}

	/** The executor Spring's async interceptor runs the method on; {@code null} when it cannot be told. */
	private static @Nullable Executor executor(AsyncExecutionInterceptor async, Method method) {
		if (DETERMINE_EXECUTOR == null) {
			return null;
		}
		try {
			ReflectionUtils.makeAccessible(DETERMINE_EXECUTOR);
			return (Executor) DETERMINE_EXECUTOR.invoke(async, method);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// no executor to be found (the interceptor then fails the call itself), or no reflection here
			return null;
		}
	}

	/** The JDK pool behind an executor, through Spring's adapters; {@code null} for any other executor. */
	private static @Nullable ThreadPoolExecutor pool(@Nullable Executor executor) {
		for (int depth = 0; depth < 4 && executor != null; depth++) {
			if (executor instanceof ThreadPoolExecutor pool) {
				return pool;
			}
			if (executor instanceof ThreadPoolTaskExecutor taskExecutor) {
				try {
					return taskExecutor.getThreadPoolExecutor();
				}
				catch (IllegalStateException ex) {
					// not initialized (or already shut down): it takes no task either way
					return null;
				}
			}
			executor = unwrap(executor);
		}
		return null;
	}

	private static @Nullable Executor unwrap(Executor executor) {
		if (executor instanceof ConcurrentTaskExecutor concurrent) {
			return concurrent.getConcurrentExecutor();
		}
		if (executor instanceof TaskExecutorAdapter && ADAPTED_EXECUTOR != null) {
			try {
				ReflectionUtils.makeAccessible(ADAPTED_EXECUTOR);
				return (Executor) ADAPTED_EXECUTOR.get(executor);
			}
			catch (ReflectiveOperationException | RuntimeException ex) {
				return null;
			}
		}
		return null;
	}

	private static boolean discards(ThreadPoolExecutor pool) {
		RejectedExecutionHandler handler = pool.getRejectedExecutionHandler();
		return handler instanceof ThreadPoolExecutor.DiscardPolicy
				|| handler instanceof ThreadPoolExecutor.DiscardOldestPolicy;
	}

}
