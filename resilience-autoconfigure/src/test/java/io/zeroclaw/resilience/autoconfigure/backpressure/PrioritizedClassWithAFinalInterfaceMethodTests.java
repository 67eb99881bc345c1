package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A non-final class whose {@code @Prioritized} method is its own, and which happens to implement some interface of the
 * application with a {@code final} method (here an id from an abstract base class). Before today it got a subclass
 * proxy, injected by its class and was admitted; the final-method rule meant for the breakers' upstream interfaces
 * now gives it an interface proxy of {@code Identified}, so injecting it by its class fails start-up and its
 * {@code @Prioritized} method, on no interface, cannot be reached through the proxy at all.
 */
class PrioritizedClassWithAFinalInterfaceMethodTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
		.withUserConfiguration(ReportConfiguration.class);

	@Test
	void prioritizedMethodOfAClassWithAnUnrelatedFinalMethodShouldStillBeAdmittedAndInjectByClass() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ReportController.class).job().depthDuringCall()).isEqualTo(1);
		});
	}

	public interface Identified {

		String id();

	}

	public abstract static class BaseJob implements Identified {

		@Override
		public final String id() {
			return getClass().getSimpleName();
		}

	}

	public static class ReportJob extends BaseJob {

		private final ObjectProvider<BackpressureController> controller;

		ReportJob(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		@Prioritized
		public int depthDuringCall() {
			return this.controller.getObject().depth();
		}

	}

	public record ReportController(ReportJob job) {

	}

	@Configuration(proxyBeanMethods = false)
	static class ReportConfiguration {

		@Bean
		ReportJob reportJob(ObjectProvider<BackpressureController> controller) {
			return new ReportJob(controller);
		}

		@Bean
		ReportController reportController(ReportJob job) {
			return new ReportController(job);
		}

	}

}
