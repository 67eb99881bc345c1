package io.zeroclaw.resilience.autoconfigure.actuate;

import io.zeroclaw.resilience.autoconfigure.OnAnyResilienceFeatureEnabled;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitKeyResolver;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The operators' view when Spring Boot Actuator is on the classpath and a protection is enabled: the
 * {@code resilience} endpoint (exposed like any other endpoint, through {@code management.endpoints.*}) and the
 * {@code resilience} health contributor.
 */
@AutoConfiguration(after = { ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
		CircuitBreakerAutoConfiguration.class, BackpressureAutoConfiguration.class })
@ConditionalOnClass(Endpoint.class)
@Conditional(OnAnyResilienceFeatureEnabled.class)
@EnableConfigurationProperties(ResilienceProperties.class)
public final class ResilienceActuatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	ResilienceEndpoint resilienceEndpoint(ResilienceProperties properties,
			ObjectProvider<RateLimitKeyResolver> keyResolver, ObjectProvider<BackpressureController> backpressure,
			ListableBeanFactory beanFactory) {
		// the context's own policies and registry first (an injected provider would find a parent's of another name
		// ambiguous)
		return new ResilienceEndpoint(properties, beanFactory.getBeanProvider(RateLimitPolicies.class), keyResolver,
				beanFactory.getBeanProvider(CircuitBreakerRegistry.class), backpressure,
				() -> RateLimitAutoConfiguration.filtersRequests(beanFactory));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(ResilienceEndpoint.class)
	@ConditionalOnAvailableEndpoint(endpoint = ResilienceEndpoint.class)
	ResilienceEndpointWebExtension resilienceEndpointWebExtension(ResilienceEndpoint endpoint) {
		return new ResilienceEndpointWebExtension(endpoint);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	@ConditionalOnBean(CircuitBreakerRegistry.class)
	@ConditionalOnEnabledHealthIndicator("resilience")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = { "resilienceHealthIndicator", "resilienceHealthContributor" })
		ResilienceHealthIndicator resilienceHealthIndicator(ListableBeanFactory beanFactory,
				ResilienceProperties properties) {
			return new ResilienceHealthIndicator(beanFactory.getBeanProvider(CircuitBreakerRegistry.class).getObject(),
					properties.getCircuitBreaker().isHealthDownWhenOpen());
		}

	}

}
