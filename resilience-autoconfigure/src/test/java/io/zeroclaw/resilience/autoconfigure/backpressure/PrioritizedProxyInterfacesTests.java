package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.function.IntSupplier;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.support.ApplicationObjectSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which interfaces decide how a {@code @Prioritized} bean is proxied. A final {@code @Prioritized} method that
 * implements a method of an interface, the application's own or the JDK's ({@code IntSupplier}), gets the bean a proxy
 * of its interfaces, which admits the call, rather than a start-up failure advising what the bean already does. A
 * Spring base class's final methods ({@code ApplicationObjectSupport.getApplicationContext()}) are the framework's, not
 * the application's work: such a bean gets its subclass proxy and its own methods are admitted.
 */
class PrioritizedProxyInterfacesTests {

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

	@Test
	void prioritizedSubclassOfASpringClassWithFinalMethodsShouldStartAndBeAdmitted() {
		this.runner.withBean(ContextAwareJob.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ContextAwareJob.class).depthDuringCall()).isEqualTo(1);
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

	@Prioritized
	public static class ContextAwareJob extends ApplicationObjectSupport {

		public int depthDuringCall() {
			return obtainApplicationContext().getBean(BackpressureController.class).depth();
		}

	}

}
