package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.CountDownLatch;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Copying an {@code @Async @Prioritized} worker without {@code @EnableAsync} runs it in the caller's thread, holding
 * its slot for the call: the first call says so, rather than leave the application to find out from its latency.
 */
@ExtendWith(OutputCaptureExtension.class)
class PrioritizedWithoutEnableAsyncTests {

	private static final String WARNING = "is @Async and @Prioritized, but no @Async advice applies to it";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, AopAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	@Test
	void asyncWorkerWithoutEnableAsyncShouldBeWarnedOfOnce(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class).run((context) -> {
			AsyncWorker worker = context.getBean(AsyncWorker.class);
			CountDownLatch open = new CountDownLatch(0);
			worker.submit(Priority.LOW, open);
			worker.submit(Priority.LOW, open);
			assertThat(context.getBean(BackpressureController.class).depth()).isZero();
		});
		assertThat(output).contains(AsyncWorker.class.getName() + ".submit " + WARNING);
		assertThat(output.toString().split(WARNING, -1)).hasSize(2);
	}

	@Test
	void synchronousWorkerShouldNotBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class).run((context) -> {
			assertThat(context.getBean(SyncWorker.class).depthDuringCall()).isEqualTo(1);
		});
		assertThat(output).doesNotContain(WARNING);
	}

	@Configuration(proxyBeanMethods = false)
	static class WorkerConfiguration {

		@Bean
		AsyncWorker asyncWorker() {
			return new AsyncWorker();
		}

		@Bean
		SyncWorker syncWorker(ObjectProvider<BackpressureController> controller) {
			return new SyncWorker(controller);
		}

	}

}
