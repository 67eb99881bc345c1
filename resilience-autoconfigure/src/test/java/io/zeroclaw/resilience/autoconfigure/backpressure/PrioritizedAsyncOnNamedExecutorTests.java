package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Async("reports") @Prioritized} methods on a bean proxied by its interface, called from inside another task
 * on a pool that runs what it cannot take in the caller.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedAsyncOnNamedExecutorTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class))
		.withUserConfiguration(ReportsConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10");

	@Test
	void interfaceProxiedTasksOnANamedExecutorShouldReleaseTheirSlots() {
		this.runner.run((context) -> {
			Reports reports = context.getBean(Reports.class);
			assertThat(AopUtils.isJdkDynamicProxy(reports)).isTrue();
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			CompletableFuture<String> running = reports.render(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> reports.started() == 1);
			Future<String> queued = reports.archive(gate);
			CompletableFuture<String> cancelled = reports.render(gate);
			assertThat(controller.depth()).isEqualTo(3);
			assertThat(queued.cancel(false)).isTrue();
			assertThat(cancelled.cancel(false)).isTrue();
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo("reports-1");
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			assertThat(context.getBean(PrioritizedBeanPostProcessor.class).queuedTasks()).isZero();
		});
	}

	@Test
	void nestedCallRunByTheCallerRunsPolicyInsideATaskShouldCountOnceAndBeReleased() {
		this.runner.run((context) -> {
			Reports reports = context.getBean(Reports.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			CompletableFuture<Integer> outer = reports.renderNested(reports, gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> reports.started() == 1);
			// the outer task and the nested one, which the full pool ran in the outer task's thread
			assertThat(controller.depth()).isEqualTo(2);
			gate.countDown();
			// once the nested task has ended, only the outer one holds a slot
			assertThat(outer.get(10, TimeUnit.SECONDS)).isEqualTo(1);
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			assertThat(context.getBean(PrioritizedBeanPostProcessor.class).queuedTasks()).isZero();
		});
	}

	public interface Reports {

		CompletableFuture<String> render(CountDownLatch gate);

		Future<String> archive(CountDownLatch gate);

		CompletableFuture<String> renderInline(CountDownLatch gate);

		CompletableFuture<Integer> renderNested(Reports self, CountDownLatch gate);

		int started();

	}

	static class ReportsImpl implements Reports {

		private final AtomicInteger started = new AtomicInteger();

		private final BackpressureController controller;

		ReportsImpl(BackpressureController controller) {
			this.controller = controller;
		}

		@Override
		public int started() {
			return this.started.get();
		}

		@Override
		@Async("reports")
		@Prioritized(Priority.LOW)
		public CompletableFuture<String> render(CountDownLatch gate) {
			this.started.incrementAndGet();
			await(gate);
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

		@Override
		@Async("reports")
		@Prioritized(Priority.LOW)
		public Future<String> archive(CountDownLatch gate) {
			this.started.incrementAndGet();
			await(gate);
			return CompletableFuture.completedFuture("archived");
		}

		@Override
		@Async("inline")
		@Prioritized(Priority.LOW)
		public CompletableFuture<String> renderInline(CountDownLatch gate) {
			this.started.incrementAndGet();
			await(gate);
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

		@Override
		@Async("inline")
		@Prioritized(Priority.LOW)
		public CompletableFuture<Integer> renderNested(Reports self, CountDownLatch gate) {
			int depth = self.renderInline(gate).join().startsWith("inline-") ? this.controller.depth() : -1;
			return CompletableFuture.completedFuture(depth);
		}

		private static void await(CountDownLatch gate) {
			try {
				gate.await(20, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class ReportsConfiguration {

		@Bean
		ThreadPoolTaskExecutor reports() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadNamePrefix("reports-");
			executor.setCorePoolSize(1);
			executor.setMaxPoolSize(1);
			executor.setQueueCapacity(2);
			executor.setRejectedExecutionHandler(new ThreadPoolExecutor.CallerRunsPolicy());
			return executor;
		}

		@Bean
		ThreadPoolTaskExecutor inline() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadNamePrefix("inline-");
			executor.setCorePoolSize(1);
			executor.setMaxPoolSize(1);
			executor.setQueueCapacity(0);
			executor.setRejectedExecutionHandler(new ThreadPoolExecutor.CallerRunsPolicy());
			return executor;
		}

		@Bean
		ReportsImpl reportsImpl(BackpressureController controller) {
			return new ReportsImpl(controller);
		}

	}

}
