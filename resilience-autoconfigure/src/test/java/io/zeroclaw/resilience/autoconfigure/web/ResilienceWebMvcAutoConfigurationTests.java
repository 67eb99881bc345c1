package io.zeroclaw.resilience.autoconfigure.web;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The refusal handler is there in a servlet application with any protection enabled, and nowhere else.
 */
class ResilienceWebMvcAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceWebMvcAutoConfiguration.class));

	@Test
	void nothingEnabledShouldAddNoHandler() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(ResilienceExceptionHandler.class));
	}

	@Test
	void eachProtectionAloneShouldAddTheHandler() {
		for (String feature : new String[] { "rate-limit", "circuit-breaker", "backpressure" }) {
			this.runner.withPropertyValues("zeroclaw.resilience." + feature + ".enabled=true")
				.run((context) -> assertThat(context).as(feature).hasSingleBean(ResilienceExceptionHandler.class));
		}
	}

	@Test
	void applicationsOwnHandlerShouldReplaceOurs() {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.withBean("mine", ResilienceExceptionHandler.class, ResilienceExceptionHandler::new)
			.run((context) -> assertThat(context).hasSingleBean(ResilienceExceptionHandler.class).hasBean("mine"));
	}

	@Test
	void nonWebApplicationShouldAddNoHandler() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ResilienceWebMvcAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> assertThat(context).doesNotHaveBean(ResilienceExceptionHandler.class));
	}

}
