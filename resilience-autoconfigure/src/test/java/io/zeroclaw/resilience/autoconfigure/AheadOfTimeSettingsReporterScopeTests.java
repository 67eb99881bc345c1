package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;

import io.zeroclaw.resilience.autoconfigure.web.ResilienceWebMvcAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reporter judges what the build decided by the starter's auto-configurations; a context that ran none of them
 * decided nothing about the protections, such as a test slice ({@code @WebMvcTest} imports only the starter's web
 * auto-configuration, from {@code AutoConfigureWebMvc.imports}) run ahead of time, as native tests run.
 */
@ExtendWith(OutputCaptureExtension.class)
class AheadOfTimeSettingsReporterScopeTests {

	@Test
	void sliceThatImportsNoProtectionShouldNotBeToldToSetTheSwitchesForProcessAot(CapturedOutput output) {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceWebMvcAutoConfiguration.class))
			// the application's own configuration, which the slice reads as the full application does
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.backpressure.enabled=true")
			.run(AheadOfTimeSettingsReporterScopeTests::ready);
		assertThat(output).doesNotContain("processed ahead of time").doesNotContain("Set it for process-aot too");
	}

	private static void ready(ConfigurableApplicationContext context) {
		assertThat((ApplicationContextAssertProvider<?>) context).hasNotFailed();
		new AheadOfTimeSettingsReporter(() -> true).onApplicationEvent(
				new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
	}

}
