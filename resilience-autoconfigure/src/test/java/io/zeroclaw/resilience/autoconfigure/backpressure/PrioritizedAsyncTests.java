package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Async @Prioritized} methods on a real {@code ThreadPoolTaskExecutor}: admitted in the caller's thread, slot
 * held until the task has finished.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedAsyncTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(AsyncConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.task.execution.pool.core-size=8",
				// these tests queue tasks in a thread pool; with virtual threads Boot's executor has no queue
				"spring.threads.virtual.enabled=false");

	@Test
	void voidMethodShouldHoldItsSlotUntilTheTaskHasFinished() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			assertThat(controller.depth()).isEqualTo(1);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			assertThat(worker.finished()).isEqualTo(1);
		});
	}

	@Test
	void completableFutureMethodShouldHoldItsSlotUntilTheFutureCompletes() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			CompletableFuture<String> result = worker.runCompletable(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			assertThat(result).isNotDone();
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("done");
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		});
	}

	@Test
	void completableFutureMethodThatFailsShouldReleaseItsSlot() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			CompletableFuture<String> result = worker.runFailing(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> result.get(10, TimeUnit.SECONDS))
				.withCauseInstanceOf(IllegalStateException.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		});
	}

	@Test
	void futureMethodShouldHoldItsSlotUntilTheTaskHasFinishedAndTellWhetherItIsDone() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			Future<String> result = worker.runFuture(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			assertThat(controller.depth()).isEqualTo(1);
			assertThat(result.isDone()).isFalse();
			gate.countDown();
			assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("done");
			assertThat(result.isDone()).isTrue();
			// a finished task refuses a cancel, and is not said to be cancelled
			assertThat(result.cancel(false)).isFalse();
			assertThat(result.isCancelled()).isFalse();
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		});
	}

	@Test
	void methodReturningAFutureStillRunningShouldHoldItsSlotUntilThatFutureCompletes() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			WaitedOnFuture later = new WaitedOnFuture();
			CompletableFuture<String> result = worker.runHandingOver(later);
			assertThat(later.waitedOn.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(controller.depth()).isEqualTo(1);
			later.complete("done");
			assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("done");
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		});
	}

	@Test
	void taskWaitingOnTheFutureItReturnedShouldStillEndWhenItsThreadIsInterrupted() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			WaitedOnFuture later = new WaitedOnFuture();
			try {
				CompletableFuture<String> result = worker.runHandingOver(later);
				assertThat(later.waitedOn.await(10, TimeUnit.SECONDS)).isTrue();
				later.waiter.interrupt();
				assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> result.get(10, TimeUnit.SECONDS))
					.withRootCauseInstanceOf(InterruptedException.class);
				assertThat(controller.depth()).isZero();
			}
			finally {
				later.complete("too late");
			}
		});
	}

	@Test
	void cancellingAQueuedCompletableFutureShouldReleaseItsSlot() {
		this.runner.withPropertyValues("spring.task.execution.pool.core-size=1").run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			CompletableFuture<String> queued = worker.runCompletable(gate);
			assertThat(controller.depth()).isEqualTo(2);
			queued.cancel(false);
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			assertThat(worker.started()).isEqualTo(1);
		});
	}

	@Test
	void cancellingAQueuedFutureShouldReleaseItsSlot() {
		this.runner.withPropertyValues("spring.task.execution.pool.core-size=1").run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			Future<String> queued = worker.runFuture(gate);
			assertThat(controller.depth()).isEqualTo(2);
			assertThat(queued.cancel(false)).isTrue();
			assertThat(queued.isCancelled()).isTrue();
			assertThat(queued.isDone()).isTrue();
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			assertThat(worker.started()).isEqualTo(1);
		});
	}

	@Test
	void cancellingARunningCompletableFutureShouldKeepTheSlotUntilTheTaskEnds() {
		// the task goes on (cancelling a CompletableFuture does not stop its task), and so does its claim
		assertSlotHeldUntilTheTaskEnds(AgentWorker::runCompletable,
				(running) -> assertThat(running.cancel(true)).isTrue());
	}

	@Test
	void completingAFutureFromOutsideWhileItsTaskRunsShouldKeepTheSlotUntilTheTaskEnds() {
		assertSlotHeldUntilTheTaskEnds(AgentWorker::runCompletable,
				(running) -> ((CompletableFuture<String>) running).completeExceptionally(
						new TimeoutException("caller gave up")));
	}

	@Test
	void cancellingARunningFutureShouldKeepTheSlotUntilTheTaskEnds() {
		assertSlotHeldUntilTheTaskEnds(AgentWorker::runFuture, (running) -> assertThat(running.cancel(false)).isTrue());
	}

	/** Starts a task, gives up on its future while it runs, and checks that its slot is held until it ends. */
	private void assertSlotHeldUntilTheTaskEnds(BiFunction<AgentWorker, CountDownLatch, Future<String>> start,
			Consumer<Future<String>> giveUp) {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			Future<String> running = start.apply(worker, gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			giveUp.accept(running);
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			assertThat(worker.finished()).isEqualTo(1);
		});
	}

	@Test
	void shedCallShouldThrowToTheCallerAndNeverReachTheExecutor() {
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.max-queue-depth=1").run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			ThreadPoolTaskExecutor executor = context.getBean("applicationTaskExecutor", ThreadPoolTaskExecutor.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			// running: a task handed to a worker thread not started yet is not in the pool's (approximate) task count
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> worker.runVoid(gate))
				.satisfies((ex) -> assertThat(ex.priority()).isEqualTo(Priority.LOW));
			assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> worker.runCompletable(gate));
			assertThat(executor.getThreadPoolExecutor().getTaskCount()).isEqualTo(1);
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			// the pool's bookkeeping of the finished task trails the slot's release by a moment
			await().atMost(Duration.ofSeconds(10))
				.until(() -> executor.getThreadPoolExecutor().getCompletedTaskCount() == 1);
			assertThat(executor.getThreadPoolExecutor().getTaskCount()).isEqualTo(1);
			assertThat(worker.started()).isEqualTo(1);
		});
	}

	@Test
	void rejectedTaskShouldReleaseItsSlot() {
		this.runner.withUserConfiguration(SingleThreadExecutorConfiguration.class).run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			worker.runVoid(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> worker.started() == 1);
			assertThatExceptionOfType(TaskRejectedException.class).isThrownBy(() -> worker.runVoid(gate));
			assertThatExceptionOfType(TaskRejectedException.class).isThrownBy(() -> worker.runCompletable(gate));
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		});
	}

	@Test
	void priorityArgumentShouldOverrideTheAnnotation() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			Admission[] held = new Admission[5];
			for (int i = 0; i < held.length; i++) {
				held[i] = controller.admit(Priority.HIGH);
			}
			// BACKGROUND (the annotation) is shed from depth 5 of 10; HIGH (the argument) is not.
			assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> worker.runAt(null, gate))
				.satisfies((ex) -> assertThat(ex.priority()).isEqualTo(Priority.BACKGROUND));
			assertThatExceptionOfType(LoadShedException.class)
				.isThrownBy(() -> worker.runAt(Priority.BACKGROUND, gate));
			worker.runAt(Priority.HIGH, gate);
			assertThat(controller.depth()).isEqualTo(6);
			gate.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 5);
			for (Admission admission : held) {
				admission.close();
			}
			assertThat(controller.depth()).isZero();
		});
	}

	@Test
	void synchronousMethodShouldHoldItsSlotForTheCall() {
		this.runner.run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			assertThat(worker.depthDuringSyncCall()).isEqualTo(1);
			assertThat(controller.depth()).isZero();
			assertThat(worker.notPrioritized()).isZero();
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(worker::failSync);
			assertThat(controller.depth()).isZero();
		});
	}

	@Test
	void synchronousMethodShouldBeShedWhenFull() {
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.max-queue-depth=1").run((context) -> {
			AgentWorker worker = context.getBean(AgentWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			try (Admission admission = controller.admit(Priority.HIGH)) {
				assertThatExceptionOfType(LoadShedException.class).isThrownBy(worker::depthDuringSyncCall);
				assertThat(worker.depthDuringSyncCallAt(Priority.CRITICAL)).isEqualTo(2);
			}
			assertThat(controller.depth()).isZero();
		});
	}

	/** A future that tells when, and in which thread, something first waits on it. */
	static final class WaitedOnFuture extends CompletableFuture<String> {

		final CountDownLatch waitedOn = new CountDownLatch(1);

		volatile Thread waiter;

		@Override
		public String get() throws InterruptedException, ExecutionException {
			if (this.waiter == null) {
				this.waiter = Thread.currentThread();
			}
			this.waitedOn.countDown();
			return super.get();
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

	@Configuration(proxyBeanMethods = false)
	static class SingleThreadExecutorConfiguration {

		@Bean
		ThreadPoolTaskExecutor taskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setMaxPoolSize(1);
			executor.setQueueCapacity(0);
			return executor;
		}

	}

}
