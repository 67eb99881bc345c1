package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.backpressure.Prioritized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What Spring's thread pool does with an admitted task that outlives the drain, as the README's shutdown paragraph
 * describes it: by default it waits in its own phase and interrupts the task after it; with
 * {@code await-termination} it skips that phase and waits only {@code await-termination-period}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExecutorAfterDrainTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
				LifecycleAutoConfiguration.class))
		.withUserConfiguration(AsyncConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.graceful-shutdown-timeout=200ms");

	@Test
	void byDefaultThePoolShouldWaitInItsPhaseForATaskTheDrainGaveUpOn() {
		this.runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=30s").run((context) -> {
			Worker worker = context.getBean(Worker.class);
			CountDownLatch gate = startTask(worker);
			try {
				CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
				await().during(Duration.ofSeconds(2))
					.atMost(Duration.ofSeconds(5))
					.until(() -> !closing.isDone());
				gate.countDown();
				closing.get(10, TimeUnit.SECONDS);
				assertThat(worker.finished()).isEqualTo(1);
				assertThat(worker.interrupted()).isEqualTo(0);
			}
			finally {
				gate.countDown();
			}
		});
	}

	@Test
	void byDefaultThePoolShouldInterruptATaskStillRunningAfterItsPhase() {
		this.runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=1s").run((context) -> {
			Worker worker = context.getBean(Worker.class);
			CountDownLatch gate = startTask(worker);
			try {
				close(context, Duration.ofSeconds(10));
				await().atMost(Duration.ofSeconds(5)).until(() -> worker.interrupted() == 1);
				assertThat(worker.finished()).isEqualTo(0);
			}
			finally {
				gate.countDown();
			}
		});
	}

	@Test
	void withAwaitTerminationAndNoPeriodTheCloseShouldNotWaitAndTheTaskShouldGoOn() {
		this.runner
			.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=30s",
					"spring.task.execution.shutdown.await-termination=true")
			.run((context) -> {
				Worker worker = context.getBean(Worker.class);
				CountDownLatch gate = startTask(worker);
				try {
					close(context, Duration.ofSeconds(3));
					assertThat(worker.finished()).isEqualTo(0);
					assertThat(worker.interrupted()).isEqualTo(0);
					gate.countDown();
					await().atMost(Duration.ofSeconds(5)).until(() -> worker.finished() == 1);
				}
				finally {
					gate.countDown();
				}
			});
	}

	@Test
	void withAwaitTerminationTheCloseShouldWaitOnlyThePeriod() {
		this.runner
			.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=30s",
					"spring.task.execution.shutdown.await-termination=true",
					"spring.task.execution.shutdown.await-termination-period=2s")
			.run((context) -> {
				Worker worker = context.getBean(Worker.class);
				CountDownLatch gate = startTask(worker);
				try {
					long start = System.nanoTime();
					close(context, Duration.ofSeconds(10));
					assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1900),
							Duration.ofSeconds(10));
					assertThat(worker.finished()).isEqualTo(0);
					gate.countDown();
					await().atMost(Duration.ofSeconds(5)).until(() -> worker.finished() == 1);
					assertThat(worker.interrupted()).isEqualTo(0);
				}
				finally {
					gate.countDown();
				}
			});
	}

	private static CountDownLatch startTask(Worker worker) {
		CountDownLatch gate = new CountDownLatch(1);
		worker.run(gate);
		await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
		return gate;
	}

	private static void close(ConfigurableApplicationContext context, Duration within) throws Exception {
		CompletableFuture.runAsync(context::close).get(within.toMillis(), TimeUnit.MILLISECONDS);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

		@Bean
		Worker worker() {
			return new Worker();
		}

	}

	static class Worker {

		final AtomicInteger started = new AtomicInteger();

		final AtomicInteger finished = new AtomicInteger();

		final AtomicInteger interrupted = new AtomicInteger();

		public int started() {
			return this.started.get();
		}

		public int finished() {
			return this.finished.get();
		}

		public int interrupted() {
			return this.interrupted.get();
		}

		@Async
		@Prioritized(Priority.LOW)
		public void run(CountDownLatch gate) {
			this.started.incrementAndGet();
			try {
				if (gate.await(30, TimeUnit.SECONDS)) {
					this.finished.incrementAndGet();
				}
			}
			catch (InterruptedException ex) {
				this.interrupted.incrementAndGet();
				Thread.currentThread().interrupt();
			}
		}

	}

}
