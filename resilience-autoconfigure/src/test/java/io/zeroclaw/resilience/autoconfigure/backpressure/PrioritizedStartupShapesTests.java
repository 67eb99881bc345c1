package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.atomic.AtomicBoolean;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bean shapes the start-up checks of {@code @Prioritized} methods must let through: a record or a final class
 * implementing a generic interface, whose proxy reaches the method through the interface's erased one.
 */
class PrioritizedStartupShapesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	@Test
	void recordImplementingAGenericInterfaceShouldStartAndBeAdmitted() {
		this.runner.withUserConfiguration(GenericRecordConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			@SuppressWarnings("unchecked")
			Handler<String> handler = context.getBean(Handler.class);
			assertThat(handler.handle("x")).as("admitted through Handler.handle(Object)").isEqualTo(1);
		});
	}

	@Test
	void finalClassImplementingAGenericInterfaceShouldStartAndBeAdmitted() {
		// a Kotlin class without kotlin-spring: final, so proxied by its interfaces
		this.runner.withUserConfiguration(FinalClassConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			@SuppressWarnings("unchecked")
			Handler<String> handler = context.getBean(Handler.class);
			assertThat(handler.handle("x")).isEqualTo(1);
		});
	}

	@Test
	void typeLevelPrioritizedBeanShouldStillBeShutDownByItsInferredDestroyMethod() {
		AtomicBoolean shutDown = new AtomicBoolean();
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.max-queue-depth=10")
			.withUserConfiguration(ShutdownWorkerConfiguration.class)
			.withBean(AtomicBoolean.class, () -> shutDown)
			.run((context) -> {
				ShutdownWorker worker = context.getBean(ShutdownWorker.class);
				assertThat(worker.depthDuringCall(context.getBean(BackpressureController.class))).isEqualTo(1);
			});
		assertThat(shutDown).as("shutdown(), the container's inferred destroy method, ran at close").isTrue();
	}

	interface Handler<T> {

		int handle(T request);

	}

	record StringHandler(ObjectProvider<BackpressureController> controller) implements Handler<String> {

		@Override
		@Prioritized(Priority.HIGH)
		public int handle(String request) {
			return this.controller.getObject().depth();
		}

	}

	static final class FinalStringHandler implements Handler<String> {

		private final ObjectProvider<BackpressureController> controller;

		FinalStringHandler(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		@Override
		@Prioritized(Priority.HIGH)
		public int handle(String request) {
			return this.controller.getObject().depth();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GenericRecordConfiguration {

		@Bean
		Handler<String> stringHandler(ObjectProvider<BackpressureController> controller) {
			return new StringHandler(controller);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FinalClassConfiguration {

		@Bean
		Handler<String> finalStringHandler(ObjectProvider<BackpressureController> controller) {
			return new FinalStringHandler(controller);
		}

	}

	/** A queue consumer whose work is LOW; Spring infers shutdown() as its destroy method. */
	@Prioritized(Priority.LOW)
	static class ShutdownWorker {

		private final AtomicBoolean shutDown;

		ShutdownWorker(AtomicBoolean shutDown) {
			this.shutDown = shutDown;
		}

		public int depthDuringCall(BackpressureController controller) {
			return controller.depth();
		}

		public void shutdown() {
			this.shutDown.set(true);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ShutdownWorkerConfiguration {

		@Bean
		ShutdownWorker shutdownWorker(AtomicBoolean shutDown) {
			return new ShutdownWorker(shutDown);
		}

	}

}
