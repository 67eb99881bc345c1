package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Spring's test framework pauses a cached context when a suite switches to another one, and closes it at the end of
 * the run or when the cache evicts it. Boot's task executor pauses with it; work admitted and queued behind it can
 * never start, so closing the paused context must not wait the graceful-shutdown timeout for it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class BackpressurePausedContextTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(AsyncConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10",
				"zeroclaw.resilience.backpressure.graceful-shutdown-timeout=15s",
				"spring.task.execution.pool.core-size=1", "spring.task.execution.pool.max-size=1");

	@Test
	void closingAPausedContextShouldNotWaitForWorkItsPausedExecutorCannotStart() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			ThreadPoolTaskExecutor executor = context.getBean(ThreadPoolTaskExecutor.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate); // runs
			worker.runVoid(gate); // queued behind it
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			// the test framework switches to another context: this one is paused
			CompletableFuture<Void> pausing = CompletableFuture.runAsync(context.getSourceApplicationContext()::pause);
			await().atMost(Duration.ofSeconds(10)).until(() -> !executor.isRunning());
			gate.countDown();
			pausing.get(10, TimeUnit.SECONDS);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.finished() == 1);
			assertThat(controller.depth()).as("the queued task holds its slot").isEqualTo(1);
			// end of the test run: the cache closes the paused context
			CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
			assertThat(closing).as("closing the paused context").succeedsWithin(Duration.ofSeconds(5));
		});
	}

	@Test
	void closingAPausedContextShouldStillWaitForAdmittedWorkThatHasStarted(CapturedOutput output) {
		// an executor that is no lifecycle bean (Boot's own with virtual threads) keeps running while paused
		this.runner.withUserConfiguration(UnpausableExecutorConfiguration.class).run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			Recorder recorder = context.getBean(Recorder.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			context.getSourceApplicationContext().pause();
			CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> output.toString().contains("Closed while paused: waiting up to PT15S for the admitted "
						+ "task(s) that have started, not for 0 queued"));
			assertThat(recorder.finishedAtDestroy).as("beans destroyed under the running task").hasValue(-1);
			gate.countDown();
			assertThat(closing).succeedsWithin(Duration.ofSeconds(10));
			assertThat(recorder.finishedAtDestroy).hasValue(1);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UnpausableExecutorConfiguration {

		@Bean
		SimpleAsyncTaskExecutor taskExecutor() {
			return new SimpleAsyncTaskExecutor("unpausable-");
		}

		@Bean
		Recorder recorder(AgentWorker worker) {
			return new Recorder(worker);
		}

	}

	static class Recorder implements DisposableBean {

		final AtomicInteger finishedAtDestroy = new AtomicInteger(-1);

		private final AgentWorker worker;

		Recorder(AgentWorker worker) {
			this.worker = worker;
		}

		@Override
		public void destroy() {
			this.finishedAtDestroy.set(this.worker.finished());
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
