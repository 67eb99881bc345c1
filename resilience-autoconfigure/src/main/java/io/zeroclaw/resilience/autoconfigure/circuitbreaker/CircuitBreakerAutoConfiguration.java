package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SearchStrategy;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Circuit breakers around provider beans, on when {@code zeroclaw.resilience.circuit-breaker.enabled=true}: every
 * {@code Provider} bean, and every Spring AI model (chat, embedding, image, moderation, speech, transcription), gets a
 * breaker of its own named after the bean, kept in the {@link CircuitBreakerRegistry}. State changes are logged and
 * published as {@link CircuitBreakerStateChangedEvent}s; with a {@link MeterRegistry} bean they are also measured.
 * <p>
 * A context has breakers of its own: a child context that runs this auto-configuration makes its own registry, factory
 * and publisher rather than use its parent's, so that its own settings govern its own beans and a bean named like one
 * of the parent's does not share, and open, the parent's breaker. Contexts share breakers only through a
 * {@link CircuitBreakerRegistry} bean each of them defines as the same instance.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnBooleanProperty("zeroclaw.resilience.circuit-breaker.enabled")
@EnableConfigurationProperties(ResilienceProperties.class)
public final class CircuitBreakerAutoConfiguration {

	/**
	 * The post-processor, given this context's own factory and registry: looked up by the bean factory, which asks
	 * its own beans before its parent's, rather than injected, which would see a parent's bean of another name as a
	 * second candidate in a child context.
	 */
	@Bean
	static CircuitBreakerBeanPostProcessor circuitBreakerBeanPostProcessor(ListableBeanFactory beanFactory) {
		return new CircuitBreakerBeanPostProcessor(beanFactory.getBeanProvider(ResilienceProperties.class),
				beanFactory.getBeanProvider(CircuitBreakerFactory.class),
				beanFactory.getBeanProvider(CircuitBreakerRegistry.class),
				CircuitBreakerAutoConfiguration.class.getClassLoader());
	}

	@Bean
	static CircuitBreakerAdvicePositioner circuitBreakerAdvicePositioner() {
		return new CircuitBreakerAdvicePositioner();
	}

	@Bean
	@ConditionalOnMissingBean(search = SearchStrategy.CURRENT)
	CircuitBreakerRegistry circuitBreakerRegistry() {
		return new CircuitBreakerRegistry();
	}

	@Bean
	@ConditionalOnMissingBean(search = SearchStrategy.CURRENT)
	CircuitBreakerStateChangePublisher circuitBreakerStateChangePublisher(ListableBeanFactory beanFactory,
			ApplicationEventPublisher publisher) {
		return new CircuitBreakerStateChangePublisher(ownRegistry(beanFactory), publisher);
	}

	@Bean
	@ConditionalOnMissingBean(search = SearchStrategy.CURRENT)
	CircuitBreakerFactory circuitBreakerFactory(ResilienceProperties properties, BeanFactory beanFactory) {
		// the application's class loader, as the validator uses: under DevTools or a child context the
		// ignore-exceptions classes are the application's, which the starter's own loader cannot see
		ClassLoader classLoader = (beanFactory instanceof ConfigurableBeanFactory configurable
				&& configurable.getBeanClassLoader() != null) ? configurable.getBeanClassLoader()
						: CircuitBreakerAutoConfiguration.class.getClassLoader();
		return new PropertiesCircuitBreakerFactory(properties.getCircuitBreaker(), classLoader, System::nanoTime);
	}

	/**
	 * The context's registry: its own bean if it has one, else its parent's (the bean factory asks its own beans
	 * first). An injected registry would also see a parent's registry of another name, and fail as ambiguous.
	 * @param beanFactory the context's bean factory
	 * @return the registry
	 */
	private static CircuitBreakerRegistry ownRegistry(ListableBeanFactory beanFactory) {
		return beanFactory.getBeanProvider(CircuitBreakerRegistry.class).getObject();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class CircuitBreakerMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean(search = SearchStrategy.CURRENT)
		CircuitBreakerMetrics circuitBreakerMetrics(ListableBeanFactory beanFactory, MeterRegistry meters) {
			return new CircuitBreakerMetrics(ownRegistry(beanFactory), meters);
		}

	}

}
