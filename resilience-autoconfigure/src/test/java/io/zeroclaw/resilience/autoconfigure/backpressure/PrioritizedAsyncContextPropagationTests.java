package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What travels with an {@code @Async @Prioritized} task through Boot's executor still travels with the starter's
 * advice in the way: a {@code TaskDecorator}'s MDC, locale and request attributes, the current observation through
 * Boot's {@code ContextPropagatingTaskDecorator}, and the executor's own settings.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedAsyncContextPropagationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(WorkerConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.threads.virtual.enabled=false",
				"spring.task.execution.thread-name-prefix=ctx-", "spring.task.execution.pool.core-size=1",
				"spring.task.execution.pool.max-size=1", "spring.task.execution.pool.queue-capacity=20");

	@Test
	void taskDecoratorShouldCarryMdcLocaleAndRequestToTheWorkerAndBootSettingsShouldStay() {
		this.runner.withUserConfiguration(CopyingDecoratorConfiguration.class).run((context) -> {
			ContextWorker worker = context.getBean(ContextWorker.class);
			ThreadPoolTaskExecutor executor = context.getBean("applicationTaskExecutor", ThreadPoolTaskExecutor.class);
			assertThat(executor.getCorePoolSize()).isEqualTo(1);
			assertThat(executor.getQueueCapacity()).isEqualTo(20);
			MockHttpServletRequest request = new MockHttpServletRequest("GET", "/agent");
			try {
				MDC.put("traceId", "t-1");
				LocaleContextHolder.setLocale(Locale.GERMANY);
				RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
				Map<String, Object> first = worker.capture().get(10, TimeUnit.SECONDS);
				assertThat(first).containsEntry("traceId", "t-1")
					.containsEntry("locale", Locale.GERMANY)
					.containsEntry("uri", "/agent");
				assertThat((String) first.get("thread")).startsWith("ctx-");
				MDC.put("traceId", "t-2");
				LocaleContextHolder.setLocale(Locale.FRANCE);
				RequestContextHolder.resetRequestAttributes();
				Map<String, Object> second = worker.capture().get(10, TimeUnit.SECONDS);
				assertThat(second).containsEntry("traceId", "t-2")
					.containsEntry("locale", Locale.FRANCE)
					.containsEntry("uri", "none");
			}
			finally {
				MDC.clear();
				LocaleContextHolder.resetLocaleContext();
				RequestContextHolder.resetRequestAttributes();
			}
			BackpressureController controller = context.getBean(BackpressureController.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
		});
	}

	@Test
	void contextPropagatingTaskDecoratorShouldCarryTheCurrentObservation() {
		this.runner.withUserConfiguration(ObservationConfiguration.class).run((context) -> {
			ContextWorker worker = context.getBean(ContextWorker.class);
			ObservationRegistry registry = context.getBean(ObservationRegistry.class);
			Observation parent = Observation.start("parent", registry);
			Map<String, Object> seen;
			try (Observation.Scope scope = parent.openScope()) {
				seen = worker.observe().get(10, TimeUnit.SECONDS);
			}
			finally {
				parent.stop();
			}
			assertThat(seen).containsEntry("observation", "parent");
			Map<String, Object> after = worker.observe().get(10, TimeUnit.SECONDS);
			assertThat(after).containsEntry("observation", "none");
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class WorkerConfiguration {

		@Bean
		ContextWorker contextWorker(ObjectProvider<ObservationRegistry> registry) {
			return new ContextWorker(registry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CopyingDecoratorConfiguration {

		@Bean
		TaskDecorator copyingDecorator() {
			return (task) -> {
				Map<String, String> mdc = MDC.getCopyOfContextMap();
				Locale locale = LocaleContextHolder.getLocale();
				RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
				return () -> {
					try {
						if (mdc != null) {
							MDC.setContextMap(mdc);
						}
						LocaleContextHolder.setLocale(locale);
						RequestContextHolder.setRequestAttributes(attributes);
						task.run();
					}
					finally {
						MDC.clear();
						LocaleContextHolder.resetLocaleContext();
						RequestContextHolder.resetRequestAttributes();
					}
				};
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ObservationConfiguration {

		@Bean
		ObservationRegistry observationRegistry() {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler((ctx) -> true);
			return registry;
		}

		@Bean
		TaskDecorator contextPropagatingTaskDecorator() {
			return new ContextPropagatingTaskDecorator();
		}

	}

	/** Reports, from its worker thread, what travelled with the task. */
	static class ContextWorker {

		private final ObjectProvider<ObservationRegistry> registry;

		ContextWorker(ObjectProvider<ObservationRegistry> registry) {
			this.registry = registry;
		}

		@Async
		@Prioritized(Priority.LOW)
		public CompletableFuture<Map<String, Object>> capture() {
			RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
			String uri = (attributes instanceof ServletRequestAttributes servlet) ? servlet.getRequest().getRequestURI()
					: "none";
			String traceId = MDC.get("traceId");
			return CompletableFuture.completedFuture(Map.of("traceId", (traceId != null) ? traceId : "none", "locale",
					LocaleContextHolder.getLocale(), "uri", uri, "thread", Thread.currentThread().getName()));
		}

		@Async
		@Prioritized(Priority.LOW)
		public CompletableFuture<Map<String, Object>> observe() {
			Observation current = this.registry.getObject().getCurrentObservation();
			String name = (current != null) ? current.getContext().getName() : "none";
			return CompletableFuture.completedFuture(Map.of("observation", name));
		}

	}

}
