package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.resilience.annotation.Retryable;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Async @Prioritized} beside Spring Framework's {@code @Retryable}: the task is admitted once, its retries run
 * under that one admission, and its slot comes back once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedBesideResilientMethodsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(RetriedConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10");

	@Test
	void retriedTaskShouldBeAdmittedOnceAndGiveItsSlotBackOnce() {
		this.runner.run((context) -> {
			RetriedWorker worker = context.getBean(RetriedWorker.class);
			Attempts attempts = context.getBean(Attempts.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			for (int i = 0; i < 4; i++) {
				assertThatExceptionOfType(ExecutionException.class)
					.isThrownBy(() -> worker.work().get(10, TimeUnit.SECONDS));
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			assertThat(attempts.count).hasValue(12);
			assertThat(attempts.admittedDepths).hasValue(12);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	@EnableResilientMethods
	static class RetriedConfiguration {

		@Bean
		Attempts attempts() {
			return new Attempts();
		}

		@Bean
		RetriedWorker retriedWorker(Attempts attempts, ObjectProvider<BackpressureController> controller) {
			return new RetriedWorker(attempts, controller);
		}

	}

	static class Attempts {

		final AtomicInteger count = new AtomicInteger();

		/** Attempts that saw exactly their own task's slot taken. */
		final AtomicInteger admittedDepths = new AtomicInteger();

	}

	public static class RetriedWorker {

		private final Attempts attempts;

		private final ObjectProvider<BackpressureController> controller;

		RetriedWorker(Attempts attempts, ObjectProvider<BackpressureController> controller) {
			this.attempts = attempts;
			this.controller = controller;
		}

		@Async
		@Prioritized(Priority.LOW)
		@Retryable(maxRetries = 2, delay = 0)
		public CompletableFuture<String> work() {
			this.attempts.count.incrementAndGet();
			if (this.controller.getObject().depth() == 1) {
				this.attempts.admittedDepths.incrementAndGet();
			}
			throw new IllegalStateException("down");
		}

	}

}
