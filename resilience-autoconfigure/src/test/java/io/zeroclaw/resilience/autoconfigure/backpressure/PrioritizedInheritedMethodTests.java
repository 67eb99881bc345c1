package io.zeroclaw.resilience.autoconfigure.backpressure;

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

/** Start-up checks of @Prioritized methods on interface-proxied beans. */
class PrioritizedInheritedMethodTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	@Test
	void finalSubclassOverridingAnAnnotatedInterfaceMethodShouldStartAndBeAdmitted() {
		this.runner.withUserConfiguration(OverridingConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Greeter greeter = context.getBean(Greeter.class);
			assertThat(greeter.depth()).as("admitted through Greeter.depth()").isEqualTo(1);
		});
	}

	@Test
	void finalSubclassOverridingAGenericAnnotatedMethodShouldStartAndBeAdmitted() {
		this.runner.withUserConfiguration(GenericOverridingConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			@SuppressWarnings("unchecked")
			Handler<String> handler = context.getBean(Handler.class);
			assertThat(handler.handle("x")).isEqualTo(1);
		});
	}

	interface Greeter {

		int depth();

	}

	abstract static class BaseGreeter implements Greeter {

		final ObjectProvider<BackpressureController> controller;

		BaseGreeter(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		@Override
		@Prioritized(Priority.HIGH)
		public int depth() {
			return this.controller.getObject().depth();
		}

	}

	/** Overrides the annotated method (the annotation is inherited by Spring's merged-annotation lookup). */
	static final class LoudGreeter extends BaseGreeter {

		LoudGreeter(ObjectProvider<BackpressureController> controller) {
			super(controller);
		}

		@Override
		public int depth() {
			return super.depth();
		}

	}

	interface Handler<T> {

		int handle(T request);

	}

	abstract static class BaseHandler<T> implements Handler<T> {

		final ObjectProvider<BackpressureController> controller;

		BaseHandler(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		@Override
		@Prioritized(Priority.HIGH)
		public int handle(T request) {
			return this.controller.getObject().depth();
		}

	}

	static final class StringHandler extends BaseHandler<String> {

		StringHandler(ObjectProvider<BackpressureController> controller) {
			super(controller);
		}

		@Override
		public int handle(String request) {
			return super.handle(request);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OverridingConfiguration {

		@Bean
		Greeter loudGreeter(ObjectProvider<BackpressureController> controller) {
			return new LoudGreeter(controller);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GenericOverridingConfiguration {

		@Bean
		Handler<String> stringHandler(ObjectProvider<BackpressureController> controller) {
			return new StringHandler(controller);
		}

	}

}
