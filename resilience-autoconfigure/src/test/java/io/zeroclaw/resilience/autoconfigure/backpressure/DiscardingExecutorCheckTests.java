package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A thread pool that drops tasks in silence would keep the slots of the {@code @Async @Prioritized} tasks it drops for
 * good: start-up warns of the executor such a method really runs on (its qualifier's, an {@code AsyncConfigurer}'s,
 * the default), through Spring's adapters, and of no other; a bean created later (a lazy one) at its first call.
 */
@ExtendWith(OutputCaptureExtension.class)
class DiscardingExecutorCheckTests {

	private static final String WARNING = "drops the tasks it cannot take without an exception";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true", "spring.threads.virtual.enabled=false");

	@Test
	void defaultExecutorThatDiscardsShouldBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class, DiscardingTaskExecutorConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("The executor of @Async @Prioritized method AgentWorker.")
					.contains(WARNING)
					.contains("ThreadPoolExecutor.DiscardOldestPolicy")
					.contains("(AbortPolicy, the default; not CallerRunsPolicy, which drops tasks the same way once "
							+ "the executor is shut down)");
			});
	}

	@Test
	void qualifiedThreadPoolThatDiscardsShouldBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(QualifiedWorker.class, DiscardingThreadPoolConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("The executor of @Async @Prioritized method QualifiedWorker.run " + WARNING)
					.contains("ThreadPoolExecutor.DiscardPolicy");
			});
	}

	@Test
	void asyncConfigurersExecutorThatDiscardsShouldBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class, DiscardingAsyncConfigurer.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("The executor of @Async @Prioritized method AgentWorker.")
					.contains("ThreadPoolExecutor.DiscardPolicy");
			});
	}

	@Test
	void adaptedThreadPoolThatDiscardsShouldBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class, AdaptedDiscardingPoolConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("The executor of @Async @Prioritized method AgentWorker.")
					.contains("ThreadPoolExecutor.DiscardPolicy");
			});
	}

	@Test
	void lazyWorkerOnAThreadPoolThatDiscardsShouldBeWarnedOfAtItsFirstCall(CapturedOutput output) {
		this.runner.withInitializer((context) -> context.addBeanFactoryPostProcessor(
				new LazyInitializationBeanFactoryPostProcessor()))
			.withUserConfiguration(DiscardingThreadPoolConfiguration.class)
			.withBean(QualifiedWorker.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).doesNotContain(WARNING);
				QualifiedWorker worker = context.getBean(QualifiedWorker.class);
				worker.run();
				worker.run();
				assertThat(output)
					.contains("The executor of @Async @Prioritized method QualifiedWorker.run " + WARNING);
				assertThat(output.toString().split(WARNING, -1)).as("warned once").hasSize(2);
			});
	}

	@Test
	void executorThatThrowsShouldNotBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ThreadPoolTaskExecutor.class);
			assertThat(output).doesNotContain(WARNING);
		});
	}

	@Test
	void discardingExecutorThatNoPrioritizedMethodRunsOnShouldNotBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(SynchronousWorker.class, DiscardingTaskExecutorConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(SynchronousWorker.class);
				assertThat(output).doesNotContain(WARNING);
			});
	}

	@Test
	void discardingExecutorThatOnlyAnUnprioritizedAsyncMethodRunsOnShouldNotBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(MixedWorkerConfiguration.class, DiscardingTaskExecutorConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(MixedWorker.class);
				assertThat(output).doesNotContain(WARNING);
			});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class WorkerConfiguration {

		@Bean
		AgentWorker agentWorker(BackpressureController controller) {
			return new AgentWorker(controller);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DiscardingTaskExecutorConfiguration {

		@Bean
		ThreadPoolTaskExecutor taskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setQueueCapacity(1);
			executor.setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardOldestPolicy());
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DiscardingThreadPoolConfiguration {

		@Bean(destroyMethod = "shutdown")
		ThreadPoolExecutor agentPool() {
			return discardingPool();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AdaptedDiscardingPoolConfiguration {

		@Bean(destroyMethod = "")
		ConcurrentTaskExecutor taskExecutor() {
			return new ConcurrentTaskExecutor(discardingPool());
		}

	}

	/** The usual way to give {@code @Async} its executor: one that is no bean. */
	@Configuration(proxyBeanMethods = false)
	static class DiscardingAsyncConfigurer implements AsyncConfigurer {

		@Override
		public Executor getAsyncExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setMaxPoolSize(1);
			executor.setQueueCapacity(0);
			executor.setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardPolicy());
			executor.initialize();
			return executor;
		}

	}

	@EnableAsync
	static class QualifiedWorker {

		@Async("agentPool")
		@Prioritized(Priority.LOW)
		public void run() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class MixedWorkerConfiguration {

		@Bean
		MixedWorker mixedWorker() {
			return new MixedWorker();
		}

	}

	/** Runs its {@code @Prioritized} work in the caller's thread; only its other method is {@code @Async}. */
	static class MixedWorker {

		@Async
		public void notify(String message) {
		}

		@Prioritized(Priority.LOW)
		public void run() {
		}

	}

	static class SynchronousWorker {

		@Prioritized(Priority.LOW)
		public void run() {
		}

	}

	private static ThreadPoolExecutor discardingPool() {
		return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1),
				new ThreadPoolExecutor.DiscardPolicy());
	}

}
