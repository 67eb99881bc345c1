package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A thread pool that drops tasks in silence would keep the slots of the {@code @Async @Prioritized} tasks it drops for
 * good: start-up warns of it, naming the executor bean and the fix.
 */
@ExtendWith(OutputCaptureExtension.class)
class DiscardingExecutorCheckTests {

	private static final String WARNING = "drops the tasks it cannot take without an exception";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true", "spring.threads.virtual.enabled=false");

	@Test
	void taskExecutorThatDiscardsShouldBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class, DiscardingTaskExecutorConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Executor 'taskExecutor' " + WARNING)
					.contains("ThreadPoolExecutor.DiscardOldestPolicy")
					.contains("AbortPolicy");
			});
	}

	@Test
	void threadPoolThatDiscardsShouldBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class, DiscardingThreadPoolConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Executor 'agentPool' " + WARNING)
					.contains("ThreadPoolExecutor.DiscardPolicy");
			});
	}

	@Test
	void taskExecutorThatThrowsShouldNotBeWarnedOf(CapturedOutput output) {
		this.runner.withUserConfiguration(WorkerConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ThreadPoolTaskExecutor.class);
			assertThat(output).doesNotContain(WARNING);
		});
	}

	@Test
	void discardingExecutorShouldNotBeWarnedOfWithoutPrioritizedBeans(CapturedOutput output) {
		this.runner.withUserConfiguration(DiscardingTaskExecutorConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ThreadPoolTaskExecutor.class);
			assertThat(output).doesNotContain(WARNING);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class WorkerConfiguration {

		@Bean
		AgentWorker agentWorker(BackpressureController controller) {
			return new AgentWorker(controller);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DiscardingTaskExecutorConfiguration {

		@Bean
		ThreadPoolTaskExecutor taskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setQueueCapacity(1);
			executor.setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardOldestPolicy());
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DiscardingThreadPoolConfiguration {

		@Bean(destroyMethod = "shutdown")
		ThreadPoolExecutor agentPool() {
			return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1),
					new ThreadPoolExecutor.DiscardPolicy());
		}

	}

}
