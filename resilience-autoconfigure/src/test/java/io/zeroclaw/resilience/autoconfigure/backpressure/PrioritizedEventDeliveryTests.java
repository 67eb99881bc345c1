package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * README: "A whole type's @Prioritized covers the type's own work, not what the container calls on the bean".
 * The container also calls ApplicationListener.onApplicationEvent on the bean (ContextClosedEvent, refresh, ...).
 */
class PrioritizedEventDeliveryTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=4");

	@Test
	void eventDeliveredByTheContainerShouldNotBeShedUnderLoad() {
		AtomicInteger received = new AtomicInteger();
		this.runner.withBean(StoppingConsumer.class, () -> new StoppingConsumer(received)).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			List<Admission> held = new ArrayList<>();
			while (controller.depth() < controller.limit(Priority.LOW)) {
				held.add(controller.admit(Priority.HIGH));
			}
			try {
				assertThatNoException().as("the container delivering an event to the bean")
					.isThrownBy(() -> context.publishEvent(new ShutdownRequested(this)));
				assertThat(received).hasValue(1);
			}
			finally {
				held.forEach(Admission::close);
			}
		});
	}

	static class ShutdownRequested extends ApplicationEvent {

		ShutdownRequested(Object source) {
			super(source);
		}

	}

	@Prioritized(Priority.LOW)
	static class StoppingConsumer implements ApplicationListener<ShutdownRequested> {

		private final AtomicInteger received;

		StoppingConsumer(AtomicInteger received) {
			this.received = received;
		}

		public void consume(String message) {
		}

		@Override
		public void onApplicationEvent(ShutdownRequested event) {
			this.received.incrementAndGet();
		}

	}

}
