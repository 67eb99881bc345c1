package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The mark of admitted work on pooled threads, through the starter's advice: a call or an {@code @Async} task that
 * throws leaves its thread unmarked, in this context and in the next one started on the same threads, so later calls
 * there are admitted (and shed) as work of their own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdmittedWorkOnPooledThreadsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(Config.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.threads.virtual.enabled=false",
				"spring.task.execution.pool.core-size=1", "spring.task.execution.pool.max-size=1");

	private static List<Admission> fill(BackpressureController controller) {
		List<Admission> held = new ArrayList<>();
		while (controller.depth() < controller.limit(Priority.NORMAL)) {
			held.add(controller.admit(Priority.HIGH));
		}
		return held;
	}

	/** A call that throws, then a later call on the same pooled thread with NORMAL's limit reached: it is shed. */
	@Test
	void markShouldBeClearedAfterAThrowingCallAndAcrossContexts() throws Exception {
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			for (int round = 0; round < 2; round++) {
				this.runner.run((context) -> {
					Worker worker = context.getBean(Worker.class);
					BackpressureController controller = context.getBean(BackpressureController.class);
					Throwable thrown = pool.submit(() -> {
						try {
							worker.fail();
							return null;
						}
						catch (Throwable ex) {
							return ex;
						}
					}).get();
					assertThat(thrown).isInstanceOf(IllegalStateException.class);
					assertThat(pool.submit(AdmittedWork::isHeld).get()).isFalse();
					List<Admission> held = fill(controller);
					Throwable later = pool.submit(() -> {
						try {
							worker.ok();
							return null;
						}
						catch (Throwable ex) {
							return ex;
						}
					}).get();
					assertThat(later).isInstanceOf(LoadShedException.class);
					held.forEach(Admission::close);
					assertThat(controller.depth()).isZero();
				});
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** An {@code @Async} task that throws leaves its worker, the executor's only thread, unmarked. */
	@Test
	void asyncTaskThatThrowsShouldLeaveItsWorkerUnmarked() {
		this.runner.run((context) -> {
			Worker worker = context.getBean(Worker.class);
			assertThat(worker.asyncFail()).failsWithin(Duration.ofSeconds(10));
			assertThat(worker.plainAsyncIsHeld()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(false);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class Config {

		@Bean
		Worker worker() {
			return new Worker();
		}

	}

	public static class Worker {

		@Prioritized(Priority.NORMAL)
		public void fail() {
			throw new IllegalStateException("boom");
		}

		@Prioritized(Priority.NORMAL)
		public String ok() {
			return "ok";
		}

		@Async
		@Prioritized(Priority.NORMAL)
		public CompletableFuture<Void> asyncFail() {
			throw new IllegalStateException("boom");
		}

		@Async
		public CompletableFuture<Boolean> plainAsyncIsHeld() {
			return CompletableFuture.completedFuture(AdmittedWork.isHeld());
		}

	}

}
