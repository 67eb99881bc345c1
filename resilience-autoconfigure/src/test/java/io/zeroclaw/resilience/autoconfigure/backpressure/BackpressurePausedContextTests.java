package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

		@Bean
		AgentWorker agentWorker(BackpressureController controller) {
			return new AgentWorker(controller);
		}

	}

}
