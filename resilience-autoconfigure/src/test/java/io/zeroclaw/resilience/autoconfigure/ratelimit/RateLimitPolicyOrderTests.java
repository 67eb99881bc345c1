package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A source below {@code application.yml} (default properties, a {@code @PropertySource}) that only tunes a policy
 * must not move it: policies are tried in the order their paths are first given.
 */
class RateLimitPolicyOrderTests {

	@ParameterizedTest(name = "defaults in {0}")
	@ValueSource(strings = { "defaultProperties", "class path resource [resilience-defaults.properties]" })
	void aDefaultFromALowerSourceShouldNotMoveAPolicyAheadOfApplicationYmlsOrder(String lowerSource) {
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withInitializer((context) -> {
				Map<String, Object> applicationYml = new LinkedHashMap<>();
				applicationYml.put("zeroclaw.resilience.rate-limit.enabled", "true");
				applicationYml.put("zeroclaw.resilience.rate-limit.policies.admin.paths", "/api/admin/**");
				applicationYml.put("zeroclaw.resilience.rate-limit.policies.admin.requests-per-window", "1");
				applicationYml.put("zeroclaw.resilience.rate-limit.policies.api.paths", "/api/**");
				MutablePropertySources sources = context.getEnvironment().getPropertySources();
				sources.addLast(new MapPropertySource("Config resource 'class path resource [application.yml]'",
						applicationYml));
				// SpringApplication.setDefaultProperties or a @PropertySource: both rank below application.yml
				sources.addLast(new MapPropertySource(lowerSource,
						Map.of("zeroclaw.resilience.rate-limit.policies.api.requests-per-window", "100")));
			})
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(RateLimitPolicies.class).named())
					.extracting(RateLimitPolicyRegistration::name)
					.as("application.yml declares admin first; a default only tunes api")
					.containsExactly("admin", "api");
			});
	}

}
