package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.Map;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Warns at start-up of a thread pool that drops the tasks it cannot take without saying so
 * ({@link ThreadPoolExecutor.DiscardPolicy}, {@link ThreadPoolExecutor.DiscardOldestPolicy}) when {@code @Prioritized}
 * beans exist. An {@code @Async} task admitted by the controller gives its slot back when it ends, or when the
 * executor refuses it with an exception; a task dropped in silence does neither, so its slot stays taken until the
 * application stops, and the queue fills with work that will never run until everything but {@code CRITICAL} is shed.
 * Nothing in the dropped task can be reached to give the slot back, so the remedy is the executor's policy.
 */
final class DiscardingExecutorCheck implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(DiscardingExecutorCheck.class);

	private final ListableBeanFactory beanFactory;

	private final BooleanSupplier prioritizedBeans;

	/**
	 * @param beanFactory where to look for thread pools
	 * @param prioritizedBeans whether any bean has {@code @Prioritized} methods
	 */
	DiscardingExecutorCheck(ListableBeanFactory beanFactory, BooleanSupplier prioritizedBeans) {
		this.beanFactory = beanFactory;
		this.prioritizedBeans = prioritizedBeans;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (!this.prioritizedBeans.getAsBoolean()) {
			return;
		}
		Map<String, ThreadPoolTaskExecutor> taskExecutors = this.beanFactory
			.getBeansOfType(ThreadPoolTaskExecutor.class, false, false);
		taskExecutors.forEach((name, executor) -> check(name, pool(executor)));
		this.beanFactory.getBeansOfType(ThreadPoolExecutor.class, false, false).forEach(this::check);
	}

	private static @Nullable ThreadPoolExecutor pool(ThreadPoolTaskExecutor executor) {
		try {
			return executor.getThreadPoolExecutor();
		}
		catch (IllegalStateException ex) {
			// not initialized (or already shut down): it takes no task either way
			return null;
		}
	}

	private void check(String name, @Nullable ThreadPoolExecutor pool) {
		if (pool == null) {
			return;
		}
		RejectedExecutionHandler handler = pool.getRejectedExecutionHandler();
		if (handler instanceof ThreadPoolExecutor.DiscardPolicy
				|| handler instanceof ThreadPoolExecutor.DiscardOldestPolicy) {
			logger.warn("Executor '{}' drops the tasks it cannot take without an exception ({}): an @Async "
					+ "@Prioritized task it drops never runs and keeps its backpressure slot until the application "
					+ "stops, so the queue fills with work that will never run and sheds everything but CRITICAL. Give "
					+ "it a rejection policy that throws (AbortPolicy, the default) or runs the task in the caller "
					+ "(CallerRunsPolicy), and room for max-queue-depth tasks.", name,
					handler.getClass().getName().replace('$', '.'));
		}
	}

}
