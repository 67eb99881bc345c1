package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Backpressure;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.ShedThresholds;
import io.zeroclaw.resilience.backpressure.BackpressureConfig;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.BackpressureListener;
import io.zeroclaw.resilience.backpressure.Priority;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.Advised;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.util.function.SingletonSupplier;

/**
 * Priority load shedding of {@code @Prioritized} work, on when {@code zeroclaw.resilience.backpressure.enabled=true}:
 * a {@link BackpressureController} built from the properties (an application's own controller bean wins), the
 * post-processor that admits {@code @Prioritized} calls through it (in the caller's thread for {@code @Async} methods),
 * a lifecycle that drains admitted work on shutdown, and meters when a {@code MeterRegistry} bean exists.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(Advised.class)
@ConditionalOnBooleanProperty("zeroclaw.resilience.backpressure.enabled")
@EnableConfigurationProperties(ResilienceProperties.class)
public final class BackpressureAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	BackpressureController backpressureController(ResilienceProperties properties,
			ObjectProvider<BackpressureListener> listeners) {
		Backpressure backpressure = properties.getBackpressure();
		ShedThresholds thresholds = backpressure.getShedThresholds();
		BackpressureConfig config = new BackpressureConfig(backpressure.getMaxQueueDepth(),
				thresholds.getBackground(), thresholds.getLow(), thresholds.getNormal(), thresholds.getHigh());
		return new BackpressureController(config, listener(listeners.orderedStream().toList()));
	}

	private static @Nullable BackpressureListener listener(List<BackpressureListener> listeners) {
		if (listeners.isEmpty()) {
			return null;
		}
		if (listeners.size() == 1) {
			return listeners.get(0);
		}
		// every listener is told, the meters too, even when one before it throws; the first failure then goes on to
		// the controller, which treats it as any listener's
		return new BackpressureListener() {

			@Override
			public void onAdmitted(Priority priority) {
				Throwable failure = null;
				for (BackpressureListener listener : listeners) {
					try {
						listener.onAdmitted(priority);
					}
					catch (Throwable ex) {
						failure = firstOf(failure, ex);
					}
				}
				rethrow(failure);
			}

			@Override
			public void onShed(Priority priority, int depth) {
				Throwable failure = null;
				for (BackpressureListener listener : listeners) {
					try {
						listener.onShed(priority, depth);
					}
					catch (Throwable ex) {
						failure = firstOf(failure, ex);
					}
				}
				rethrow(failure);
			}

		};
	}

	private static Throwable firstOf(@Nullable Throwable first, Throwable next) {
		if (next instanceof InterruptedException) {
			// kept here: suppressed in another, the controller would not see it
			Thread.currentThread().interrupt();
		}
		if (first == null || first == next) {
			return (first != null) ? first : next;
		}
		if (first instanceof Exception && !(next instanceof Exception)) {
			// an Error goes on to the caller, as a single listener's does
			next.addSuppressed(first);
			return next;
		}
		first.addSuppressed(next);
		return first;
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> void rethrow(@Nullable Throwable failure) throws E {
		if (failure != null) {
			throw (E) failure;
		}
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static PrioritizedBeanPostProcessor prioritizedBeanPostProcessor(
			ObjectProvider<BackpressureController> controller) {
		return new PrioritizedBeanPostProcessor(SingletonSupplier.of(controller::getObject));
	}

	@Bean
	@ConditionalOnMissingBean
	BackpressureDrainLifecycle backpressureDrainLifecycle(BackpressureController controller,
			ResilienceProperties properties, ObjectProvider<PrioritizedBeanPostProcessor> postProcessor) {
		PrioritizedBeanPostProcessor admitting = postProcessor.getIfAvailable();
		return new BackpressureDrainLifecycle(controller, properties.getBackpressure().getGracefulShutdownTimeout(),
				(admitting != null) ? admitting::queuedTasks : () -> 0);
	}

	@Bean
	static DiscardingExecutorCheck discardingExecutorCheck(ObjectProvider<PrioritizedBeanPostProcessor> postProcessor) {
		return new DiscardingExecutorCheck(() -> {
			PrioritizedBeanPostProcessor admitting = postProcessor.getIfAvailable();
			return (admitting != null) ? admitting.proxies() : Map.of();
		}, (check) -> postProcessor.ifAvailable((admitting) -> admitting.checkExecutorsOfLaterBeans(check)));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class BackpressureMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		BackpressureMetrics backpressureMetrics(MeterRegistry registry,
				ObjectProvider<BackpressureController> controller) {
			return new BackpressureMetrics(registry, controller);
		}

	}

}
