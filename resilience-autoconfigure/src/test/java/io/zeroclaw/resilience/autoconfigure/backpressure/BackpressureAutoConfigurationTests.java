package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureConfig;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.BackpressureListener;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.interceptor.AsyncExecutionInterceptor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class BackpressureAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, AopAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(AsyncApplication.class);

	@Test
	void runWhenDisabledShouldNotCreateControllerNorAdvisor() {
		this.runner.run((context) -> {
			assertThat(context).doesNotHaveBean(BackpressureController.class)
				.doesNotHaveBean(PrioritizedBeanPostProcessor.class)
				.doesNotHaveBean(BackpressureDrainLifecycle.class);
			assertThat(interceptorsOf(context.getBean(AsyncWorker.class)))
				.noneMatch((advice) -> advice instanceof PrioritizedAdmissionInterceptor
						|| advice instanceof AsyncCompletionInterceptor);
			assertThat(AopUtils.isAopProxy(context.getBean(SyncWorker.class))).isFalse();
		});
	}

	@Test
	void runWhenEnabledShouldCreateControllerFromProperties() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.max-queue-depth=20",
					"zeroclaw.resilience.backpressure.shed-thresholds.background=0.25",
					"zeroclaw.resilience.backpressure.shed-thresholds.low=0.5",
					"zeroclaw.resilience.backpressure.shed-thresholds.normal=0.75",
					"zeroclaw.resilience.backpressure.shed-thresholds.high=1.0")
			.run((context) -> {
				assertThat(context).hasSingleBean(BackpressureController.class)
					.hasSingleBean(PrioritizedBeanPostProcessor.class)
					.hasSingleBean(BackpressureDrainLifecycle.class);
				BackpressureController controller = context.getBean(BackpressureController.class);
				assertThat(controller.config()).isEqualTo(new BackpressureConfig(20, 0.25, 0.5, 0.75, 1.0));
				assertThat(controller.limit(Priority.BACKGROUND)).isEqualTo(5);
			});
	}

	@Test
	void userDefinedControllerShouldWin() {
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.withBean("myController", BackpressureController.class,
					() -> new BackpressureController(new BackpressureConfig(3, 1, 1, 1, 1)))
			.run((context) -> {
				assertThat(context).hasSingleBean(BackpressureController.class);
				BackpressureController controller = context.getBean(BackpressureController.class);
				assertThat(controller.maxQueueDepth()).isEqualTo(3);
				assertThat(context.getBean(SyncWorker.class).depthDuringCall()).isEqualTo(1);
			});
	}

	@Test
	void plainAsyncApplicationWithOnlyPropertiesShouldShedLowWorkButAdmitCriticalWork() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.max-queue-depth=4", "spring.task.execution.pool.core-size=8")
			.run((context) -> {
				AsyncWorker worker = context.getBean(AsyncWorker.class);
				BackpressureController controller = context.getBean(BackpressureController.class);
				CountDownLatch gate = new CountDownLatch(1);
				// LOW is admitted below 0.7 * 4: depths 0, 1 and 2
				for (int i = 0; i < 3; i++) {
					worker.submit(Priority.LOW, gate);
				}
				assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> worker.submit(Priority.LOW, gate));
				worker.submit(Priority.CRITICAL, gate);
				worker.submit(Priority.CRITICAL, gate);
				assertThat(controller.depth()).isEqualTo(5);
				await().atMost(Duration.ofSeconds(10)).until(() -> worker.running() == 5);
				gate.countDown();
				await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			});
	}

	@Test
	void admissionShouldBeFirstAndCompletionRightInsideTheAsyncBoundaryInAnAutoProxiedAsyncBean() {
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.withUserConfiguration(InfrastructureAdvisorConfiguration.class)
			.run((context) -> {
				List<Object> interceptors = interceptorsOf(context.getBean(AsyncWorker.class));
				assertThat(interceptors).hasSize(4);
				assertThat(interceptors.get(0)).isInstanceOf(PrioritizedAdmissionInterceptor.class);
				assertThat(interceptors.get(1)).isInstanceOf(AsyncExecutionInterceptor.class);
				assertThat(interceptors.get(2)).isInstanceOf(AsyncCompletionInterceptor.class);
				assertThat(interceptors.get(3)).isSameAs(InfrastructureAdvisorConfiguration.INTERCEPTOR);
				AsyncWorker worker = context.getBean(AsyncWorker.class);
				CountDownLatch gate = new CountDownLatch(1);
				worker.submit(Priority.HIGH, gate);
				BackpressureController controller = context.getBean(BackpressureController.class);
				assertThat(controller.depth()).isEqualTo(1);
				gate.countDown();
				await().atMost(Duration.ofSeconds(10)).until(() -> controller.depth() == 0);
			});
	}

	@Test
	void prioritizedTypeShouldAdmitEveryPublicMethod() {
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.withUserConfiguration(PrioritizedTypeConfiguration.class)
			.run((context) -> {
				BackpressureController controller = context.getBean(BackpressureController.class);
				PrioritizedType bean = context.getBean(PrioritizedType.class);
				assertThat(bean.depthDuringCall(controller)).isEqualTo(1);
				assertThat(bean.toString()).isNotNull();
				assertThat(controller.depth()).isZero();
				List<Admission> held = new ArrayList<>();
				for (int i = 0; i < controller.limit(Priority.BACKGROUND); i++) {
					held.add(controller.admit(Priority.HIGH));
				}
				assertThatExceptionOfType(LoadShedException.class)
					.isThrownBy(() -> bean.depthDuringCall(controller))
					.satisfies((ex) -> assertThat(ex.priority()).isEqualTo(Priority.BACKGROUND));
				// Object's methods are not work, even overridden: logging the bean is never shed
				assertThat(bean.toString()).isEqualTo("PrioritizedType");
				assertThat(bean).isEqualTo(bean);
				held.forEach(Admission::close);
			});
	}

	@Test
	void drainShouldStopAfterTheWebServerAndBeforeTaskExecutors() {
		assertThat(BackpressureDrainLifecycle.PHASE).isGreaterThan(ExecutorConfigurationSupport.DEFAULT_PHASE)
			.isLessThan(SmartLifecycle.DEFAULT_PHASE - 2048);
	}

	@Test
	void metricsShouldBeRegisteredWhenAMeterRegistryExists() {
		this.runner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.max-queue-depth=1")
			.run((context) -> {
				assertThat(context).hasSingleBean(BackpressureMetrics.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				for (Priority priority : Priority.values()) {
					assertThat(registry.get(BackpressureMetrics.ADMITTED).tag("priority", priority.name()).counter()
						.count()).isZero();
					assertThat(registry.get(BackpressureMetrics.SHED).tag("priority", priority.name()).counter()
						.count()).isZero();
				}
				BackpressureController controller = context.getBean(BackpressureController.class);
				Admission admission = controller.admit(Priority.LOW);
				assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.LOW));
				assertThat(registry.get(BackpressureMetrics.DEPTH).gauge().value()).isEqualTo(1.0);
				assertThat(registry.get(BackpressureMetrics.ADMITTED).tag("priority", "LOW").counter().count())
					.isEqualTo(1.0);
				assertThat(registry.get(BackpressureMetrics.SHED).tag("priority", "LOW").counter().count())
					.isEqualTo(1.0);
				admission.close();
				assertThat(registry.get(BackpressureMetrics.DEPTH).gauge().value()).isZero();
			});
	}

	@Test
	void applicationListenerShouldHearAdmittedAndShedWorkBesideTheMeters() {
		List<String> heard = new ArrayList<>();
		withMetersAndAQueueOfOne().withBean(BackpressureListener.class, () -> new BackpressureListener() {

				@Override
				public void onAdmitted(Priority priority) {
					heard.add("admitted " + priority);
				}

				@Override
				public void onShed(Priority priority, int depth) {
					heard.add("shed " + priority + " at " + depth);
				}

			})
			.run((context) -> {
				admitOneAndShedOne(context.getBean(BackpressureController.class));
				assertThat(heard).containsExactly("admitted LOW", "shed LOW at 1");
				assertCountedOneAdmittedAndOneShed(context.getBean(MeterRegistry.class));
			});
	}

	@Test
	void applicationListenerThatThrowsShouldNotStopTheMetersFromCountingAdmittedAndShedWork() {
		withMetersAndAQueueOfOne().withBean(BackpressureListener.class, () -> new BackpressureListener() {

				@Override
				public void onAdmitted(Priority priority) {
					throw new IllegalStateException("the application's listener is broken");
				}

				@Override
				public void onShed(Priority priority, int depth) {
					throw new IllegalStateException("the application's listener is broken");
				}

			})
			.run((context) -> {
				BackpressureController controller = context.getBean(BackpressureController.class);
				admitOneAndShedOne(controller);
				assertThat(controller.depth()).isZero();
				assertCountedOneAdmittedAndOneShed(context.getBean(MeterRegistry.class));
			});
	}

	@Test
	void interruptConsumedByALaterListenerShouldBeKeptWhenAnEarlierOneAlsoThrew() {
		// two application listeners: the first is broken, the second (Kotlin, a blocking call) was interrupted; a
		// single listener's interrupt is kept by the controller, so the combined one must not lose it either
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.withBean("broken", BackpressureListener.class, () -> new OrderedListener(1, () -> {
			throw new IllegalStateException("the application's listener is broken");
		})).withBean("interrupted", BackpressureListener.class, () -> new OrderedListener(2, () -> {
			throw sneaky(new InterruptedException("interrupted while recording the admission"));
		})).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			try {
				controller.admit(Priority.LOW).close();
				assertThat(Thread.currentThread().isInterrupted()).as("interrupt kept").isTrue();
			}
			finally {
				Thread.interrupted();
			}
		});
	}

	@Test
	void errorOfALaterListenerShouldReachTheCallerAsASingleListenersDoesWhenAnEarlierOneThrew() {
		// a single listener's Error is not swallowed by the controller (the caller gets it, the slot given back)
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.withBean("broken", BackpressureListener.class, () -> new OrderedListener(1, () -> {
			throw new IllegalStateException("the application's listener is broken");
		})).withBean("failing", BackpressureListener.class, () -> new OrderedListener(2, () -> {
			throw new AssertionError("an assertion in the application's listener");
		})).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> controller.admit(Priority.LOW).close());
			assertThat(controller.depth()).isZero();
		});
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> RuntimeException sneaky(Throwable thrown) throws E {
		throw (E) thrown;
	}

	private record OrderedListener(int order, Runnable onAdmitted) implements BackpressureListener, Ordered {

		@Override
		public int getOrder() {
			return this.order;
		}

		@Override
		public void onAdmitted(Priority priority) {
			this.onAdmitted.run();
		}

		@Override
		public void onShed(Priority priority, int depth) {
		}

	}

	private ApplicationContextRunner withMetersAndAQueueOfOne() {
		return this.runner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.max-queue-depth=1");
	}

	private static void admitOneAndShedOne(BackpressureController controller) {
		try (Admission admission = controller.admit(Priority.LOW)) {
			assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.LOW));
		}
	}

	private static void assertCountedOneAdmittedAndOneShed(MeterRegistry registry) {
		assertThat(registry.get(BackpressureMetrics.ADMITTED).tag("priority", "LOW").counter().count())
			.as("admitted counter").isEqualTo(1.0);
		assertThat(registry.get(BackpressureMetrics.SHED).tag("priority", "LOW").counter().count())
			.as("shed counter").isEqualTo(1.0);
	}

	@Test
	void closingTheContextShouldRemoveTheDepthGaugeFromARegistryThatOutlivesIt() {
		SimpleMeterRegistry shared = new SimpleMeterRegistry();
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.withBean(MeterRegistry.class, () -> shared)
			.run((context) -> assertThat(shared.find(BackpressureMetrics.DEPTH).gauge()).isNotNull());
		assertThat(shared.find(BackpressureMetrics.DEPTH).gauge()).isNull();
	}

	@Test
	void closingAContextShouldLeaveTheDepthGaugeOfAnotherStillRunningOnTheSameRegistry() {
		SimpleMeterRegistry shared = new SimpleMeterRegistry();
		ApplicationContextRunner sharing = this.runner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.withBean(MeterRegistry.class, () -> shared);
		sharing.run((running) -> {
			sharing.run((closedMeanwhile) -> assertThat(closedMeanwhile).hasNotFailed());
			BackpressureController controller = running.getBean(BackpressureController.class);
			try (Admission admission = controller.admit(Priority.LOW)) {
				assertThat(shared.find(BackpressureMetrics.DEPTH).gauge()).isNotNull()
					.extracting(Gauge::value)
					.isEqualTo(1.0);
			}
		});
	}

	@Test
	void metricsShouldNotBeRegisteredWithoutAMeterRegistry() {
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(BackpressureController.class)
				.doesNotHaveBean(BackpressureMetrics.class));
	}

	private static List<Object> interceptorsOf(Object bean) {
		if (!(bean instanceof Advised advised)) {
			return List.of();
		}
		return Arrays.stream(advised.getAdvisors()).map(Advisor::getAdvice).map(Object.class::cast).toList();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncApplication {

		@Bean
		AsyncWorker asyncWorker() {
			return new AsyncWorker();
		}

		@Bean
		SyncWorker syncWorker(org.springframework.beans.factory.ObjectProvider<BackpressureController> controller) {
			return new SyncWorker(controller);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class InfrastructureAdvisorConfiguration {

		static final MethodInterceptor INTERCEPTOR = (invocation) -> invocation.proceed();

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static Advisor componentAdvisor() {
			return new DefaultPointcutAdvisor(AnnotationMatchingPointcut.forMethodAnnotation(Async.class), INTERCEPTOR);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrioritizedTypeConfiguration {

		@Bean
		PrioritizedType prioritizedType() {
			return new PrioritizedType();
		}

	}

}
