package io.zeroclaw.resilience.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An environment variable set to nothing over a setting of {@code application.yml} leaves the file's value unbound,
 * and Spring Boot's own report names that valid value: the report names the empty variable instead, and says that
 * removing it keeps the file's value.
 */
class EmptyVariableOverAFileValueTests {

	private static final String APPLICATION_YML = "Config resource 'class path resource [application.yml]'";

	@ParameterizedTest(name = "{0}= over {1}")
	@CsvSource(delimiter = '|', textBlock = """
			ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_WEBHOOK_BURST | rate-limit.policies.webhook.burst | 0
			ZEROCLAW_RESILIENCE_RATELIMIT_WINDOW                 | rate-limit.window                 | 30s
			""")
	void emptyVariableOverAFileValueShouldBeReportedAsTheEmptyVariable(String variable, String setting,
			String value) {
		String property = "zeroclaw.resilience." + setting;
		Map<String, Object> applicationYml = new LinkedHashMap<>();
		applicationYml.put("zeroclaw.resilience.rate-limit.enabled", "true");
		applicationYml.put("zeroclaw.resilience.rate-limit.policies.webhook.paths", "/webhook");
		applicationYml.put(property, value);
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withInitializer((context) -> configure(context.getEnvironment(), variable, applicationYml))
			.run((context) -> {
				assertThat(context).hasFailed();
				StandardEnvironment environment = new StandardEnvironment();
				configure(environment, variable, applicationYml);
				FailureAnalysis analysis = new EmptyResiliencePropertyFailureAnalyzer(environment)
					.analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("'" + property + "' is set to an empty value")
					.contains(variable)
					.contains("hides the value '" + value + "'")
					.contains(APPLICATION_YML);
				assertThat(analysis.getAction()).contains("Remove the empty setting");
			});
	}

	private static void configure(ConfigurableEnvironment environment, String variable,
			Map<String, Object> applicationYml) {
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
					new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
							Map.of(variable, "")));
		environment.getPropertySources().addLast(new MapPropertySource(APPLICATION_YML, applicationYml));
	}

}
