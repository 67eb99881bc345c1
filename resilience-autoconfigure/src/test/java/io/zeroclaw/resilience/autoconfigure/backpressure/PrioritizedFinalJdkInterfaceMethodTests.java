package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.function.IntSupplier;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code @Prioritized} method that is final and implements a method of an interface: of one of the application's,
 * the bean gets a proxy of its interfaces, which admits the call; of a JDK interface ({@code IntSupplier}), it should
 * too, rather than fail start-up with advice to declare the method on an interface the bean implements, which it is.
 */
class PrioritizedFinalJdkInterfaceMethodTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	@Test
	void finalPrioritizedMethodOfAnApplicationInterfaceShouldBeAdmittedThroughTheInterface() {
		this.runner.withBean(OwnDepthJob.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(DepthProbe.class).depthDuringCall()).isEqualTo(1);
		});
	}

	@Test
	void finalPrioritizedMethodOfAJdkInterfaceShouldBeAdmittedThroughTheInterface() {
		this.runner.withBean(JdkDepthJob.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(IntSupplier.class).getAsInt()).isEqualTo(1);
		});
	}

	public interface DepthProbe {

		int depthDuringCall();

	}

	public static class OwnDepthJob implements DepthProbe {

		private final ObjectProvider<BackpressureController> controller;

		OwnDepthJob(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		@Override
		@Prioritized
		public final int depthDuringCall() {
			return this.controller.getObject().depth();
		}

	}

	public static class JdkDepthJob implements IntSupplier {

		private final ObjectProvider<BackpressureController> controller;

		JdkDepthJob(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		@Override
		@Prioritized
		public final int getAsInt() {
			return this.controller.getObject().depth();
		}

	}

}
