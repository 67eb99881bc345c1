package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
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
import static org.awaitility.Awaitility.await;

/**
 * An explicit {@code context.stop()} whose drain outlasts {@code spring.lifecycle.timeout-per-shutdown-phase}, then
 * {@code context.start()}: the drain's thread is still waiting, so the lifecycle bean still says it is running, the
 * context does not start it again, and the controller never admits non-critical work again ("shutting down"). Once
 * the drain thread ends it marks the bean stopped, so a later close would neither stop admitting nor drain.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackpressureDrainAfterRestartTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
				LifecycleAutoConfiguration.class))
		.withUserConfiguration(AsyncConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10",
				"zeroclaw.resilience.backpressure.graceful-shutdown-timeout=30s",
				"spring.lifecycle.timeout-per-shutdown-phase=300ms");

	@Test
	void startAfterAStopWhoseDrainOutlastedThePhaseTimeoutShouldAdmitAgainAndDrainOnClose(CapturedOutput output) {
		this.runner.run((context) -> {
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
			await().atMost(Duration.ofSeconds(10)).until(() -> output.toString().contains("All admitted tasks finished"));
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

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

		@Bean
		AgentWorker agentWorker(BackpressureController controller) {
			return new AgentWorker(controller);
		}

		@Bean
		SimpleAsyncTaskExecutor taskExecutor() {
			return new SimpleAsyncTaskExecutor("agent-");
		}

	}

}
