package io.zeroclaw.resilience.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The twelve-factor override: {@code application.yml} holds a valid value, and an environment variable of one
 * deployment replaces it with one the starter refuses. The report must say where the refused value comes from, as
 * Spring Boot's own binding reports and the starter's report of an empty variable do: the file the user opens holds
 * a valid value, and the variable's name is not the property's.
 */
class InvalidValueFromAnEnvironmentVariableTests {

	private static final String APPLICATION_YML = "Config resource 'class path resource [application.yml]'";

	@ParameterizedTest(name = "{0}={1} over {2}: {3}")
	@CsvSource(delimiter = '|', textBlock = """
			ZEROCLAW_RESILIENCE_RATELIMIT_WINDOW                   | 0  | rate-limit.window                  | 1m
			ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_WEBHOOK_BURST   | -1 | rate-limit.policies.webhook.burst  | 0
			ZEROCLAW_RESILIENCE_CIRCUITBREAKER_FAILURETHRESHOLD    | 0  | circuit-breaker.failure-threshold  | 5
			ZEROCLAW_RESILIENCE_BACKPRESSURE_SHEDTHRESHOLDS_HIGH   | 2  | backpressure.shed-thresholds.high  | 0.95
			""")
	void refusedValueOfAnEnvironmentVariableShouldBeReportedWithTheVariable(String variable, String value,
			String setting, String fileValue) {
		Map<String, Object> applicationYml = new LinkedHashMap<>();
		applicationYml.put("zeroclaw.resilience.rate-limit.enabled", "true");
		applicationYml.put("zeroclaw.resilience.rate-limit.policies.webhook.paths", "/webhook/**");
		applicationYml.put("zeroclaw.resilience.circuit-breaker.enabled", "true");
		applicationYml.put("zeroclaw.resilience.backpressure.enabled", "true");
		applicationYml.put("zeroclaw.resilience." + setting, fileValue);
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
					BackpressureAutoConfiguration.class))
			.withInitializer((context) -> configure(context.getEnvironment(), Map.of(variable, value), applicationYml))
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'zeroclaw.resilience." + setting + "' has the value")
					.contains("\"" + variable + "\"");
			});
	}

	private static void configure(ConfigurableEnvironment environment, Map<String, Object> variables,
			Map<String, Object> applicationYml) {
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
					StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
		environment.getPropertySources().addLast(new MapPropertySource(APPLICATION_YML, applicationYml));
	}

}
