package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * {@code @Async @Prioritized} methods on every kind of executor: no slot leaked or released twice, and the count of
 * queued tasks the drain reports back at zero once all work is over.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedAsyncExecutorKindsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(PrioritizedAsyncTests.AsyncConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10");

	@Test
	void callerRunsPolicyShouldAdmitAndReleaseTheTaskItRunsInTheCallerOnce() {
		this.runner.withUserConfiguration(CallerRunsConfiguration.class).run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			CountDownLatch open = new CountDownLatch(0);
			CompletableFuture<String> inCaller = worker.runCompletable(open);
			assertThat(inCaller).isDone();
			Future<String> future = worker.runFuture(open);
			assertThat(future.isDone()).isTrue();
			worker.runVoid(open);
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			assertAllReleased(context.getBean(PrioritizedBeanPostProcessor.class), controller);
		});
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("executors")
	void executorShouldReleaseCancelledAndFinishedTasks(String executor,
			UnaryOperator<ApplicationContextRunner> configuration) {
		configuration.apply(this.runner)
			.run((context) -> assertQueuedCancelsAndRunsRelease(context.getBean(AgentWorker.class),
					context.getBean(BackpressureController.class),
					context.getBean(PrioritizedBeanPostProcessor.class)));
	}

	static Stream<Arguments> executors() {
		return Stream.of(
				arguments("a ConcurrentTaskExecutor over a plain ExecutorService",
						with((runner) -> runner.withUserConfiguration(ConcurrentTaskExecutorConfiguration.class))),
				arguments("a ForkJoinPool",
						with((runner) -> runner.withUserConfiguration(ForkJoinConfiguration.class))),
				arguments("an AsyncConfigurer's executor",
						with((runner) -> runner.withUserConfiguration(SingleThreadAsyncConfigurer.class))),
				arguments("Boot's executor", with((runner) -> runner.withPropertyValues(
						"spring.task.execution.pool.core-size=1", "spring.threads.virtual.enabled=false"))));
	}

	private static UnaryOperator<ApplicationContextRunner> with(UnaryOperator<ApplicationContextRunner> operator) {
		return operator;
	}

	@Test
	void taskDecoratorThatThrowsInTheCallerShouldReleaseTheSlot() {
		this.runner.withUserConfiguration(ThrowingDecoratorConfiguration.class)
			.withPropertyValues("spring.threads.virtual.enabled=false")
			.run((context) -> {
				AgentWorker worker = context.getBean(AgentWorker.class);
				BackpressureController controller = context.getBean(BackpressureController.class);
				CountDownLatch open = new CountDownLatch(0);
				assertThatException().isThrownBy(() -> worker.runVoid(open));
				assertThatException().isThrownBy(() -> worker.runCompletable(open));
				assertThatException().isThrownBy(() -> worker.runFuture(open));
				assertAllReleased(context.getBean(PrioritizedBeanPostProcessor.class), controller);
			});
	}

	@Test
	void taskDecoratorThatRunsTheTaskTwiceShouldReleaseTheSlotOnce() {
		this.runner.withUserConfiguration(TwiceDecoratorConfiguration.class)
			.withPropertyValues("spring.threads.virtual.enabled=false", "spring.task.execution.pool.core-size=2")
			.run((context) -> {
				AgentWorker worker = context.getBean(AgentWorker.class);
				BackpressureController controller = context.getBean(BackpressureController.class);
				CountDownLatch gate = new CountDownLatch(1);
				worker.runVoid(gate);
				await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
				CountDownLatch open = new CountDownLatch(0);
				worker.runCompletable(open).join();
				worker.runFuture(open).get(10, TimeUnit.SECONDS);
				worker.runVoid(open);
				await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 1);
				assertThat(controller.depth()).isEqualTo(1);
				gate.countDown();
				assertAllReleased(context.getBean(PrioritizedBeanPostProcessor.class), controller);
			});
	}

	private static void assertQueuedCancelsAndRunsRelease(AgentWorker worker, BackpressureController controller,
			PrioritizedBeanPostProcessor processor) throws Exception {
		CountDownLatch gate = new CountDownLatch(1);
		worker.runVoid(gate);
		await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
		CompletableFuture<String> cancelled = worker.runCompletable(gate);
		Future<String> cancelledFuture = worker.runFuture(gate);
		CompletableFuture<String> completed = worker.runCompletable(gate);
		CompletableFuture<String> runs = worker.runCompletable(gate);
		Future<String> runsFuture = worker.runFuture(gate);
		assertThat(controller.depth()).isEqualTo(6);
		assertThat(processor.queuedTasks()).isEqualTo(5);
		assertThat(cancelled.cancel(false)).isTrue();
		assertThat(cancelledFuture.cancel(true)).isTrue();
		assertThat(completed.complete("by the caller")).isTrue();
		assertThat(controller.depth()).isEqualTo(3);
		assertThat(processor.queuedTasks()).isEqualTo(2);
		gate.countDown();
		assertThat(runs.get(10, TimeUnit.SECONDS)).isEqualTo("done");
		assertThat(runsFuture.get(10, TimeUnit.SECONDS)).isEqualTo("done");
		assertAllReleased(processor, controller);
		assertThat(worker.started()).isEqualTo(3);
	}

	private static void assertAllReleased(PrioritizedBeanPostProcessor processor, BackpressureController controller) {
		await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		assertThat(processor.queuedTasks()).isZero();
	}

	@Configuration(proxyBeanMethods = false)
	static class CallerRunsConfiguration {

		@Bean
		ThreadPoolTaskExecutor taskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setMaxPoolSize(1);
			executor.setQueueCapacity(0);
			executor.setRejectedExecutionHandler(new ThreadPoolExecutor.CallerRunsPolicy());
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ConcurrentTaskExecutorConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService pool() {
			return Executors.newFixedThreadPool(1);
		}

		@Bean
		ConcurrentTaskExecutor taskExecutor(ExecutorService pool) {
			return new ConcurrentTaskExecutor(pool);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ForkJoinConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		ForkJoinPool taskExecutor() {
			return new ForkJoinPool(1);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SingleThreadAsyncConfigurer implements AsyncConfigurer, DisposableBean {

		private final ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();

		SingleThreadAsyncConfigurer() {
			this.executor.setCorePoolSize(1);
			this.executor.setMaxPoolSize(1);
			this.executor.initialize();
		}

		@Override
		public AsyncTaskExecutor getAsyncExecutor() {
			return this.executor;
		}

		@Override
		public void destroy() {
			this.executor.shutdown();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThrowingDecoratorConfiguration {

		@Bean
		TaskDecorator taskDecorator() {
			return (task) -> {
				throw new IllegalStateException("no context to carry");
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TwiceDecoratorConfiguration {

		@Bean
		TaskDecorator taskDecorator() {
			return (task) -> () -> {
				task.run();
				task.run();
			};
		}

	}

}
