package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Closing the context drains admitted work on Spring Boot's own task executor.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackpressureShutdownTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(AsyncConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10");

	@Test
	void closingTheContextShouldWaitForRunningWork(CapturedOutput output) {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> output.toString().contains("Waiting up to PT30S for 1 admitted task(s) to finish"));
			assertThat(controller.isAccepting()).isFalse();
			assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.HIGH))
				.withMessageContaining("shutting down");
			controller.admit(Priority.CRITICAL).close();
			assertThat(closing).isNotDone();
			assertThat(worker.finished()).isZero();
			gate.countDown();
			closing.get(10, TimeUnit.SECONDS);
			assertThat(worker.finished()).isEqualTo(1);
			assertThat(controller.depth()).isZero();
			assertThat(output).contains("All admitted tasks finished after").doesNotContain("still running");
		});
	}

	@Test
	void closingTheContextShouldGiveUpAfterTheGracefulShutdownTimeout(CapturedOutput output) {
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.graceful-shutdown-timeout=200ms")
			.run((context) -> {
				AgentWorker worker = context.getBean(AgentWorker.class);
				CountDownLatch gate = new CountDownLatch(1);
				worker.runVoid(gate);
				worker.runVoid(gate);
				await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 2);
				CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
				await().atMost(Duration.ofSeconds(10)).until(() -> output.toString()
					.contains("Stopped waiting after PT0.2S with 2 admitted task(s) still running"));
				assertThat(worker.finished()).isZero();
				// The executor itself still waits for its tasks, so let them end for the close to complete.
				gate.countDown();
				closing.get(30, TimeUnit.SECONDS);
			});
	}

	@Test
	void givingUpShouldTellRunningTasksFromQueuedOnes(CapturedOutput output) {
		this.runner
			.withPropertyValues("zeroclaw.resilience.backpressure.graceful-shutdown-timeout=200ms",
					"spring.task.execution.pool.core-size=1", "spring.task.execution.pool.max-size=1")
			.run((context) -> {
				AgentWorker worker = context.getBean(AgentWorker.class);
				CountDownLatch gate = new CountDownLatch(1);
				worker.runVoid(gate);
				worker.runVoid(gate);
				await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
				CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
				await().atMost(Duration.ofSeconds(10)).until(() -> output.toString()
					.contains("Stopped waiting after PT0.2S with 1 admitted task(s) still running and 1 not started "
							+ "yet; the task executor stops next"));
				gate.countDown();
				closing.get(30, TimeUnit.SECONDS);
			});
	}

	@Test
	void theContextsTimeoutPerShutdownPhaseShouldBoundTheDrain(CapturedOutput output) {
		this.runner.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.backpressure.graceful-shutdown-timeout=30s",
					"spring.lifecycle.timeout-per-shutdown-phase=300ms",
					"spring.task.execution.shutdown.await-termination=false")
			.run((context) -> {
				AgentWorker worker = context.getBean(AgentWorker.class);
				CountDownLatch gate = new CountDownLatch(1);
				try {
					worker.runVoid(gate);
					await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
					CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
					// The close goes on after the phase's 300 ms, far before the drain's own 30 s.
					assertThat(closing).succeedsWithin(Duration.ofSeconds(10));
					assertThat(output).contains("Waiting up to PT30S for 1 admitted task(s) to finish")
						.contains("still running after timeout of 300ms");
					assertThat(worker.finished()).isZero();
				}
				finally {
					gate.countDown();
				}
			});
	}

	@Test
	void startAfterAStopWhoseDrainOutlastedThePhaseTimeoutShouldAdmitAgainAndDrainOnClose(CapturedOutput output) {
		this.runner.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class))
			.withUserConfiguration(SimpleExecutorConfiguration.class)
			.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=300ms")
			.run((context) -> {
				AgentWorker worker = context.getBean(AgentWorker.class);
				BackpressureController controller = context.getBean(BackpressureController.class);
				CountDownLatch first = new CountDownLatch(1);
				worker.runVoid(first);
				await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
				// stop() returns after the phase's 300 ms; the drain goes on in its own thread
				context.stop();
				context.start();
				assertThat(controller.isAccepting()).as("admitting non-critical work after context.start()").isTrue();
				first.countDown();
				await().atMost(Duration.ofSeconds(10))
					.until(() -> output.toString().contains("All admitted tasks finished"));
				// running again, with a task under way: closing must stop admitting and wait for it
				CountDownLatch second = new CountDownLatch(1);
				worker.runVoid(second);
				await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 2);
				CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
				try {
					await().atMost(Duration.ofSeconds(10)).until(() -> !controller.isAccepting());
				}
				finally {
					second.countDown();
					closing.get(20, TimeUnit.SECONDS);
				}
			});
	}

	@Test
	void pausingTheContextShouldNeitherWaitForRunningWorkNorStopAdmitting() {
		// Spring's test framework pauses a cached context when a test class switches to another one; pausing is not
		// shutting down, so it must not hold the switch for the graceful-shutdown timeout. The executor is one that
		// is not a lifecycle bean itself (as Boot's with virtual threads), which would hold the pause on its own.
		this.runner.withUserConfiguration(SimpleExecutorConfiguration.class).run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			CompletableFuture<Void> pausing = CompletableFuture.runAsync(context.getSourceApplicationContext()::pause);
			pausing.get(10, TimeUnit.SECONDS);
			assertThat(worker.finished()).isZero();
			assertThat(controller.isAccepting()).isTrue();
			gate.countDown();
			context.getSourceApplicationContext().restart();
			assertThat(controller.isAccepting()).isTrue();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class SimpleExecutorConfiguration {

		@Bean
		SimpleAsyncTaskExecutor taskExecutor() {
			return new SimpleAsyncTaskExecutor("agent-");
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

		@Bean
		AgentWorker agentWorker(BackpressureController controller) {
			return new AgentWorker(controller);
		}

	}

}
