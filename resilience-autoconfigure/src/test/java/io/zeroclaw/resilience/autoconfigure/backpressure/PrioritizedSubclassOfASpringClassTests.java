package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.support.ApplicationObjectSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A class annotated {@code @Prioritized} as a whole that extends one of Spring's classes, whose {@code final} methods
 * ({@code ApplicationObjectSupport.getApplicationContext()}) are the framework's, not the application's work: the bean
 * gets its subclass proxy and its own methods are admitted, rather than start-up failing on methods it cannot change.
 */
class PrioritizedSubclassOfASpringClassTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	@Test
	void prioritizedSubclassOfASpringClassWithFinalMethodsShouldStartAndBeAdmitted() {
		this.runner.withBean(ContextAwareJob.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ContextAwareJob.class).depthDuringCall()).isEqualTo(1);
		});
	}

	@Prioritized
	public static class ContextAwareJob extends ApplicationObjectSupport {

		public int depthDuringCall() {
			return obtainApplicationContext().getBean(BackpressureController.class).depth();
		}

	}

}
