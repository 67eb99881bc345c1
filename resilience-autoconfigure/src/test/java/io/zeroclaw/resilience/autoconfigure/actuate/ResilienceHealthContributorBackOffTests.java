package io.zeroclaw.resilience.autoconfigure.actuate;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's own {@code resilience} health contributor replaces the starter's, whichever of the two bean names
 * Spring Boot turns into that contributor name it has: Boot's own indicators back off for both
 * ({@code redisHealthIndicator} and {@code redisHealthContributor}).
 */
class ResilienceHealthContributorBackOffTests {

	private static final HealthIndicator MINE = () -> Health.up().withDetail("mine", true).build();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				CircuitBreakerAutoConfiguration.class, ResilienceActuatorAutoConfiguration.class,
				HealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void applicationsIndicatorNamedResilienceHealthIndicatorShouldReplaceTheStarters() {
		this.runner.withBean("resilienceHealthIndicator", HealthIndicator.class, () -> MINE).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(ResilienceHealthIndicator.class);
			assertThat(context.getBean(HealthContributorRegistry.class).getContributor("resilience")).isSameAs(MINE);
		});
	}

	@Test
	void applicationsContributorNamedResilienceHealthContributorShouldReplaceTheStarters() {
		this.runner.withBean("resilienceHealthContributor", HealthIndicator.class, () -> MINE).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(ResilienceHealthIndicator.class);
			assertThat(context.getBean(HealthContributorRegistry.class).getContributor("resilience")).isSameAs(MINE);
		});
	}

}
