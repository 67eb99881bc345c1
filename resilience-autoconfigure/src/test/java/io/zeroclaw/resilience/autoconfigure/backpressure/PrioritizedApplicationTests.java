package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A plain Spring Boot application, every auto-configuration on the classpath included, with {@code @EnableAsync}, an
 * {@code @Async @Prioritized} method and nothing but properties: the work is admitted in the caller's thread, shed by
 * priority, and counted.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=2", "spring.task.execution.pool.core-size=4" })
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedApplicationTests {

	@Autowired
	private AgentWorker worker;

	@Autowired
	private BackpressureController controller;

	@Autowired
	private MeterRegistry registry;

	@Test
	void asyncPrioritizedWorkShouldBeAdmittedShedAndCounted() throws Exception {
		CountDownLatch gate = new CountDownLatch(1);
		CompletableFuture<String> first = this.worker.runCompletable(gate);
		this.worker.runVoid(gate);
		// LOW is admitted below depth 2 of 2 (a fill of 0.5 is under 0.7), so the third LOW call is shed, here.
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> this.worker.runVoid(gate));
		this.worker.runAt(Priority.CRITICAL, gate);
		assertThat(this.controller.depth()).isEqualTo(3);
		gate.countDown();
		assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("done");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
		assertThat(this.registry.get("zeroclaw.resilience.backpressure.admitted").tag("priority", "LOW").counter()
			.count()).isEqualTo(2.0);
		assertThat(this.registry.get("zeroclaw.resilience.backpressure.admitted").tag("priority", "CRITICAL")
			.counter()
			.count()).isEqualTo(1.0);
		assertThat(this.registry.get("zeroclaw.resilience.backpressure.shed").tag("priority", "LOW").counter()
			.count()).isEqualTo(1.0);
		assertThat(this.registry.get("zeroclaw.resilience.backpressure.depth").gauge().value()).isZero();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableAsync
	static class AsyncApplication {

		@Bean
		AgentWorker agentWorker(BackpressureController controller) {
			return new AgentWorker(controller);
		}

	}

}
