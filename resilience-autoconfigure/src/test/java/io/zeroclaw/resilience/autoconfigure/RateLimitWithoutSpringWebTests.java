package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;

import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceActuatorAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reads the rate-limit auto-configuration in an application without Spring Web, where it backs off: the
 * ahead-of-time settings report, the endpoint, and policies named in properties.
 */
@ExtendWith(OutputCaptureExtension.class)
class RateLimitWithoutSpringWebTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withClassLoader(new FilteredClassLoader("org.springframework.web."))
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				ResilienceActuatorAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"management.endpoints.web.exposure.include=resilience");

	@Test
	void applicationProcessedAheadOfTimeWithTheSameSettingsShouldNotBeToldToSetThemForProcessAot(
			CapturedOutput output) {
		// built with rate-limit.enabled=true, run with it true: nothing changed since the build
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			new AheadOfTimeSettingsReporter(() -> true).onApplicationEvent(
					new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
		});
		assertThat(output).contains("Spring Web is not on the classpath").doesNotContain("processed ahead of time");
	}

	@Test
	void endpointShouldDescribeRateLimitingAsOff() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			var view = context.getBean(ResilienceEndpoint.class).resilience();
			assertThat(view.rateLimit().enabled()).isFalse();
			assertThat(view.rateLimit().filter()).isFalse();
		});
	}

	@Test
	void namedPoliciesWithoutSpringWebShouldNotFailTheStart() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook/**",
					"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=5",
					"zeroclaw.resilience.rate-limit.exclude-paths=/health")
			.run((context) -> assertThat(context).hasNotFailed());
	}

}
