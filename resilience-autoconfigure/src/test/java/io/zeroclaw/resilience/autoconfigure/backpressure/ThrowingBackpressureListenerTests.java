package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.BackpressureListener;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * An application's {@link BackpressureListener} bean that throws, beside the one the meters provide.
 */
class ThrowingBackpressureListenerTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, AopAutoConfiguration.class, MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=1");

	@Test
	void aThrowingApplicationListenerShouldNotStopTheMetersFromCountingAdmittedAndShedWork() {
		this.runner.withBean(BackpressureListener.class, () -> new BackpressureListener() {

			@Override
			public void onAdmitted(Priority priority) {
				throw new IllegalStateException("the application's listener is broken");
			}

			@Override
			public void onShed(Priority priority, int depth) {
				throw new IllegalStateException("the application's listener is broken");
			}

		}).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			try (Admission admission = controller.admit(Priority.LOW)) {
				assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.LOW));
			}
			assertThat(controller.depth()).isZero();
			assertThat(registry.get(BackpressureMetrics.ADMITTED).tag("priority", "LOW").counter().count())
				.as("admitted counter").isEqualTo(1.0);
			assertThat(registry.get(BackpressureMetrics.SHED).tag("priority", "LOW").counter().count())
				.as("shed counter").isEqualTo(1.0);
		});
	}

}
