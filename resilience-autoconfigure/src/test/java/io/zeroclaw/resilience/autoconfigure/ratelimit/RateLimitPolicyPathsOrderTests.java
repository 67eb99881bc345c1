package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** Policies are ordered by where their paths are first given, in every form Boot reads paths in. */
class RateLimitPolicyPathsOrderTests {

	private static final String P = "zeroclaw.resilience.rate-limit.policies.";

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class));

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_ADMIN_PATHS_0_",
			"ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_ADMIN_PATHS_0",
			"ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_ADMIN_PATHS" })
	void pathsGivenByAnEnvironmentVariableInEveryFormShouldPlaceThePolicyAtThatSource(String variable) {
		this.runner.withInitializer((context) -> {
			MutablePropertySources sources = context.getEnvironment().getPropertySources();
			Map<String, Object> applicationYml = new LinkedHashMap<>();
			applicationYml.put("zeroclaw.resilience.rate-limit.enabled", "true");
			applicationYml.put(P + "api.paths", "/api/**");
			sources.addLast(new MapPropertySource("Config resource 'class path resource [application.yml]'",
					applicationYml));
			sources.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
					new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
							Map.of(variable, "/api/admin/**")));
			sources.addFirst(new SimpleCommandLinePropertySource("--" + P + "late.paths=/late/**"));
		}).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(RateLimitPolicies.class).named()).extracting(RateLimitPolicyRegistration::name)
				.as("yml, then the variable, then the argument")
				.containsExactly("api", "admin", "late");
		});
	}

	@Test
	void aProfileReplacingTheBasePathsShouldKeepTheBaseOrder() {
		this.runner.withInitializer((context) -> {
			MutablePropertySources sources = context.getEnvironment().getPropertySources();
			Map<String, Object> applicationYml = new LinkedHashMap<>();
			applicationYml.put("zeroclaw.resilience.rate-limit.enabled", "true");
			applicationYml.put(P + "admin.paths[0]", "/api/admin/**");
			applicationYml.put(P + "api.paths[0]", "/api/**");
			sources.addLast(new MapPropertySource("Config resource 'class path resource [application.yml]'",
					applicationYml));
			sources.addFirst(new MapPropertySource(
					"Config resource 'class path resource [application-prod.yml]' via location 'optional:classpath:/'",
					Map.of(P + "admin.paths", "/api/admin/**,/api/ops/**")));
		}).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(RateLimitPolicies.class).named()).extracting(RateLimitPolicyRegistration::name)
				.containsExactly("admin", "api");
		});
	}

}
