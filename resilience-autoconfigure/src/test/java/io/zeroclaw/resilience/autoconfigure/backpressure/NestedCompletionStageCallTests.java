package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * README: "A synchronous {@code @Prioritized} method holds its slot for the call, or until the
 * {@code CompletionStage} it returns completes". Called inside admitted work, such a method is now "part of that
 * work" and takes no slot, but its stage outlives the work: once the work returns, the stage's work runs uncounted, and
 * shutdown's drain does not wait for it.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NestedCompletionStageCallTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(AuditConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.threads.virtual.enabled=false");

	@Test
	void stageReturnedInsideSynchronousWorkShouldHoldASlotUntilItCompletes() {
		this.runner.run((context) -> {
			Auditor auditor = context.getBean(Auditor.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			// control: called on its own, the pending audit holds its slot
			CompletableFuture<Void> alone = auditor.audit();
			assertThat(controller.depth()).isEqualTo(1);
			alone.complete(null);
			assertThat(controller.depth()).isZero();
			// called from a @Prioritized handler that returns before the audit is done
			context.getBean(Handler.class).handle();
			CompletableFuture<Void> nested = auditor.last();
			assertThat(nested).isNotDone();
			assertThat(controller.depth()).as("depth while the audit the handler started still runs").isEqualTo(1);
			nested.complete(null);
		});
	}

	@Test
	void drainShouldWaitForAStageStartedByAnAsyncTask(CapturedOutput output) {
		this.runner.run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			Handler handler = context.getBean(Handler.class);
			CompletableFuture<CompletableFuture<Void>> task = handler.handleLater();
			CompletableFuture<Void> audit = task.get(10, TimeUnit.SECONDS);
			assertThat(audit).isNotDone();
			CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
			try {
				await().atMost(Duration.ofSeconds(10))
					.until(() -> output.toString().contains("for 1 admitted task(s) to finish"));
			}
			finally {
				audit.complete(null);
				closing.get(30, TimeUnit.SECONDS);
			}
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AuditConfiguration {

		@Bean
		Auditor auditor() {
			return new Auditor();
		}

		@Bean
		Handler handler(Auditor auditor) {
			return new Handler(auditor);
		}

	}

	public static class Auditor {

		private volatile CompletableFuture<Void> last;

		/** Starts an audit that some other thread (an HTTP client's, say) completes later. */
		@Prioritized(Priority.LOW)
		public CompletableFuture<Void> audit() {
			this.last = new CompletableFuture<>();
			return this.last;
		}

		public CompletableFuture<Void> last() {
			return this.last;
		}

	}

	public static class Handler {

		private final Auditor auditor;

		Handler(Auditor auditor) {
			this.auditor = auditor;
		}

		/** Starts the audit and returns without waiting for it (fire and forget). */
		@Prioritized(Priority.HIGH)
		public void handle() {
			this.auditor.audit();
		}

		/** The same in an @Async task, which ends as soon as the audit has started. */
		@Async
		@Prioritized(Priority.HIGH)
		public CompletableFuture<CompletableFuture<Void>> handleLater() {
			return CompletableFuture.completedFuture(this.auditor.audit());
		}

	}

}
