package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.ObjectProvider;
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
 * A {@code @Prioritized} call made by work that already holds an admission, in the same thread, is part of that work:
 * it counts once and is never shed half-way. An {@code @Async} call made there is new work.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NestedPrioritizedCallTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(PipelineConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.threads.virtual.enabled=false");

	@Test
	void synchronousCallInsideSynchronousWorkShouldCountOnce() {
		this.runner.run((context) -> {
			Pipeline pipeline = context.getBean(Pipeline.class);
			assertThat(pipeline.enrichNow()).isEqualTo(1);
			assertThat(context.getBean(BackpressureController.class).depth()).isZero();
		});
	}

	@Test
	void synchronousCallInsideAnAsyncTaskShouldCountOnce() {
		this.runner.run((context) -> {
			Pipeline pipeline = context.getBean(Pipeline.class);
			CountDownLatch gate = new CountDownLatch(0);
			assertThat(pipeline.process(gate)).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(1);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> context.getBean(BackpressureController.class).depth() == 0);
		});
	}

	@Test
	void admittedWorkShouldNotBeShedHalfWayWhenTheQueueHasFilledBehindIt() {
		this.runner.run((context) -> {
			Pipeline pipeline = context.getBean(Pipeline.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			CompletableFuture<Integer> result = pipeline.process(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> pipeline.started() == 1);
			// Fill the queue up to NORMAL's limit (9 of 10) behind the running task.
			List<Admission> others = new ArrayList<>();
			while (controller.depth() < controller.limit(Priority.NORMAL)) {
				others.add(controller.admit(Priority.HIGH));
			}
			gate.countDown();
			assertThat(result).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(controller.limit(Priority.NORMAL));
			others.forEach(Admission::close);
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		});
	}

	@Test
	void admittedWorkShouldFinishWhileTheContextDrains(CapturedOutput output) {
		this.runner.run((context) -> {
			Pipeline pipeline = context.getBean(Pipeline.class);
			CountDownLatch gate = new CountDownLatch(1);
			CompletableFuture<Integer> result = pipeline.process(gate);
			await().atMost(Duration.ofSeconds(10)).until(() -> pipeline.started() == 1);
			CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> output.toString().contains("Waiting up to PT30S for 1 admitted task(s) to finish"));
			gate.countDown();
			assertThat(result).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(1);
			assertThat(closing).succeedsWithin(Duration.ofSeconds(20));
			assertThat(output).contains("All admitted tasks finished after");
		});
	}

	@Test
	void asyncCallInsideAdmittedWorkShouldBeAdmittedAsNewWork() {
		this.runner.run((context) -> {
			Pipeline pipeline = context.getBean(Pipeline.class);
			Spawner spawner = context.getBean(Spawner.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountDownLatch gate = new CountDownLatch(1);
			// The spawner's own slot and the queued task's: the task runs on its own, so it holds a slot of its own.
			assertThat(spawner.spawn(gate)).isEqualTo(2);
			await().atMost(Duration.ofSeconds(10)).until(() -> pipeline.started() == 1);
			assertThat(controller.depth()).isEqualTo(1);
			gate.countDown();
			assertThat(spawner.child()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(1);
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class PipelineConfiguration {

		@Bean
		Enricher enricher(ObjectProvider<BackpressureController> controller) {
			return new Enricher(controller);
		}

		@Bean
		Pipeline pipeline(Enricher enricher) {
			return new Pipeline(enricher);
		}

		@Bean
		Spawner spawner(Pipeline pipeline, ObjectProvider<BackpressureController> controller) {
			return new Spawner(pipeline, controller);
		}

	}

	public static class Enricher {

		private final ObjectProvider<BackpressureController> controller;

		Enricher(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		/** @return the depth seen inside the nested call */
		@Prioritized(Priority.NORMAL)
		public int enrich() {
			return this.controller.getObject().depth();
		}

	}

	public static class Pipeline {

		private final AtomicInteger started = new AtomicInteger();

		private final Enricher enricher;

		Pipeline(Enricher enricher) {
			this.enricher = enricher;
		}

		public int started() {
			return this.started.get();
		}

		@Prioritized(Priority.HIGH)
		public int enrichNow() {
			return this.enricher.enrich();
		}

		@Async
		@Prioritized(Priority.NORMAL)
		public CompletableFuture<Integer> process(CountDownLatch gate) throws InterruptedException {
			this.started.incrementAndGet();
			if (!gate.await(20, TimeUnit.SECONDS)) {
				throw new IllegalStateException("gate never opened");
			}
			return CompletableFuture.completedFuture(this.enricher.enrich());
		}

	}

	public static class Spawner {

		private final Pipeline pipeline;

		private final ObjectProvider<BackpressureController> controller;

		private volatile CompletableFuture<Integer> child;

		Spawner(Pipeline pipeline, ObjectProvider<BackpressureController> controller) {
			this.pipeline = pipeline;
			this.controller = controller;
		}

		/** @return the depth right after queuing the child task */
		@Prioritized(Priority.HIGH)
		public int spawn(CountDownLatch gate) throws InterruptedException {
			this.child = this.pipeline.process(gate);
			return this.controller.getObject().depth();
		}

		public CompletableFuture<Integer> child() {
			return this.child;
		}

	}

}
