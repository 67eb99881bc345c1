package io.zeroclaw.resilience.autoconfigure;

import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceActuatorAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint;
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each feature's auto-configuration binds the properties itself, as Spring Boot's do, so that excluding
 * {@link ResilienceAutoConfiguration} ({@code spring.autoconfigure.exclude}) leaves the features working.
 */
class FeatureConfigurationsStandAloneTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner();

	@Test
	void circuitBreakersShouldStartWithoutTheCoreConfiguration() {
		this.runner.withConfiguration(AutoConfigurations.of(CircuitBreakerAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(CircuitBreakerRegistry.class));
	}

	@Test
	void backpressureShouldStartWithoutTheCoreConfiguration() {
		this.runner.withConfiguration(AutoConfigurations.of(BackpressureAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(BackpressureController.class));
	}

	@Test
	void rateLimitingShouldStartWithoutTheCoreConfiguration() {
		this.runner.withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RateLimitPolicies.class));
	}

	@Test
	void operatorsViewShouldStartWithoutTheCoreConfiguration() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(BackpressureAutoConfiguration.class,
					ResilienceActuatorAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"management.endpoints.web.exposure.include=resilience")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ResilienceEndpoint.class));
	}

}
