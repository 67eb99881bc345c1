package io.zeroclaw.resilience.autoconfigure;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The start-up warnings that rate limiting limits nothing, under {@code spring.main.lazy-initialization=true} (which
 * the runners do not read, so its post-processor is added by hand): a bean nothing depends on is never created then,
 * and a warning made by creating one is never logged.
 */
@ExtendWith(OutputCaptureExtension.class)
class LazyInitializationStartUpWarningsTests {

	@Test
	void reactiveApplicationWithRateLimitingOnShouldBeToldItLimitsNothing(CapturedOutput output) {
		new ReactiveWebApplicationContextRunner()
			.withInitializer((context) -> context.addBeanFactoryPostProcessor(
					new LazyInitializationBeanFactoryPostProcessor()))
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).contains("this is not a servlet web application");
	}

	@Test
	void applicationWithoutSpringWebWithRateLimitingOnShouldBeToldItLimitsNothing(CapturedOutput output) {
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader("org.springframework.web."))
			.withInitializer((context) -> context.addBeanFactoryPostProcessor(
					new LazyInitializationBeanFactoryPostProcessor()))
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).contains("Spring Web is not on the classpath");
	}

	@Test
	void invalidRateLimitSettingsOfAReactiveApplicationShouldStillStopStartUp() {
		new ReactiveWebApplicationContextRunner()
			.withClassLoader(new FilteredClassLoader("io.micrometer.core.instrument"))
			.withInitializer((context) -> context.addBeanFactoryPostProcessor(
					new LazyInitializationBeanFactoryPostProcessor()))
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=-1")
			.run((context) -> assertThat(context).hasFailed());
	}

}
