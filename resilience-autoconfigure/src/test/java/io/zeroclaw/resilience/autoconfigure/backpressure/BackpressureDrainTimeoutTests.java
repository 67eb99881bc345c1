package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureConfig;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.context.event.ContextPausedEvent;
import org.springframework.context.support.StaticApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful-shutdown timeout past what a {@code long} of nanoseconds holds (about 292 years) is accepted by the
 * properties as "wait as long as it takes": the drain must wait, not fail on the conversion.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackpressureDrainTimeoutTests {

	@Test
	void closingAPausedContextWithATimeoutOfCenturiesShouldWaitForStartedWork() throws Exception {
		BackpressureController controller = new BackpressureController(BackpressureConfig.defaults());
		BackpressureDrainLifecycle drain = new BackpressureDrainLifecycle(controller,
				Duration.ofDays(1_000_000_000L), () -> 0);
		StaticApplicationContext context = new StaticApplicationContext();
		drain.setApplicationContext(context);
		drain.start();
		drain.onApplicationEvent(new ContextPausedEvent(context));
		Admission running = controller.admit(Priority.LOW);
		CompletableFuture<Void> stopping = CompletableFuture.runAsync(drain::stop);
		await().atMost(Duration.ofSeconds(10)).until(() -> !controller.isAccepting());
		assertThat(stopping).as("the drain waits for the started task").isNotDone();
		running.close();
		assertThat(stopping).as("the drain, once the task is done").succeedsWithin(Duration.ofSeconds(10));
	}

}
