package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncResult;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Async @Prioritized} methods whose proxy carries more advice that runs in the worker thread, as a
 * transaction, method validation or method security does: when that advice refuses the call (a database that is down,
 * a constraint violation, access denied), the task never reaches the method, and its slot must still come back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedBehindOtherAdviceTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(GatedConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10");

	@Test
	void taskRefusedByAdviceInTheWorkerThreadShouldGiveItsSlotBack() {
		this.runner.run((context) -> {
			GatedWorker worker = context.getBean(GatedWorker.class);
			BackpressureController controller = context.getBean(BackpressureController.class);
			// rounds of five, each within the LOW limit of 7: leaked slots would pile up and shed a later round
			for (int round = 0; round < 4; round++) {
				for (int i = 0; i < 5; i++) {
					worker.fireAndForget();
				}
				await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			}
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> worker.withResult().get(10,
					TimeUnit.SECONDS)).withCauseInstanceOf(IllegalStateException.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			assertThat(context.getBean(Gate.class).refused).hasValue(21);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class GatedConfiguration {

		@Bean
		GatedWorker gatedWorker() {
			return new GatedWorker();
		}

		@Bean
		static Gate gate() {
			return new Gate();
		}

	}

	/**
	 * Proxies the worker with advice that refuses every call, before {@code @EnableAsync} adds its advisor ahead of
	 * it: the chain becomes async, then this advice, then the method.
	 */
	static class Gate implements BeanPostProcessor, Ordered {

		final AtomicInteger refused = new AtomicInteger();

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (!(bean instanceof GatedWorker)) {
				return bean;
			}
			ProxyFactory proxyFactory = new ProxyFactory(bean);
			proxyFactory.setProxyTargetClass(true);
			proxyFactory.addAdvice((MethodInterceptor) (invocation) -> {
				this.refused.incrementAndGet();
				throw new IllegalStateException("could not open a transaction: the database is down");
			});
			return proxyFactory.getProxy();
		}

	}

	/** Never reached: the gate refuses every call before it. */
	public static class GatedWorker {

		@Async
		@Prioritized(Priority.LOW)
		public void fireAndForget() {
		}

		@Async
		@Prioritized(Priority.LOW)
		public Future<String> withResult() {
			return new AsyncResult<>("done");
		}

	}

}
