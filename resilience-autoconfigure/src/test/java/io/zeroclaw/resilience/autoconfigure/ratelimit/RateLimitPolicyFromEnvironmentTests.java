package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

/**
 * A policy declared in {@code application.yml} and tuned per environment with an environment variable, the usual
 * twelve-factor override. Spring Boot binds a map key from an environment variable in lower case without dashes
 * ({@code ..._POLICIES_PUBLICAPI_...} gives the key {@code publicapi}), while relaxed binding still reads every value
 * of {@code public-api} for it: the override must tune the policy, not add a second one in front of the others.
 */
class RateLimitPolicyFromEnvironmentTests {

	private static final String SYSTEM_ENVIRONMENT = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;

	private static final String APPLICATION_YML = "Config resource 'class path resource [application.yml]'";

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
		.withInitializer((context) -> {
			// as application.yml would declare them: the strict admin policy first, then the broad one
			Map<String, Object> applicationYml = new LinkedHashMap<>();
			applicationYml.put("zeroclaw.resilience.rate-limit.enabled", "true");
			applicationYml.put("zeroclaw.resilience.rate-limit.include-paths", "");
			applicationYml.put("zeroclaw.resilience.rate-limit.policies.admin.paths", "/api/admin/**");
			applicationYml.put("zeroclaw.resilience.rate-limit.policies.admin.requests-per-window", "1");
			applicationYml.put("zeroclaw.resilience.rate-limit.policies.admin.burst", "0");
			applicationYml.put("zeroclaw.resilience.rate-limit.policies.public-api.paths", "/api/**");
			applicationYml.put("zeroclaw.resilience.rate-limit.policies.public-api.requests-per-window", "100");
			// the operator raises the broad quota in one environment
			Map<String, Object> environmentVariables = Map
				.of("ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_PUBLICAPI_REQUESTSPERWINDOW", "200");
			context.getEnvironment()
				.getPropertySources()
				.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
						StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, environmentVariables));
			context.getEnvironment()
				.getPropertySources()
				.addLast(new MapPropertySource("Config resource 'class path resource [application.yml]'",
						applicationYml));
		});

	@Test
	void overridingAPolicyFromAnEnvironmentVariableShouldNotLetItShadowTheStricterPolicyBeforeIt() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			Filter filter = context.getBean(FilterRegistrationBean.class).getFilter();
			MockMvc mvc = MockMvcBuilders.webAppContextSetup((WebApplicationContext) context).addFilters(filter).build();
			mvc.perform(get("/api/admin/users"));
			MockHttpServletResponse second = mvc.perform(get("/api/admin/users")).andReturn().getResponse();
			assertThat(second.getStatus()).as("the admin policy's second request in its window (RateLimit-Policy: %s)",
					second.getHeader("RateLimit-Policy"))
				.isEqualTo(429);
			MockHttpServletResponse broad = mvc.perform(get("/api/items")).andReturn().getResponse();
			assertThat(broad.getHeader("RateLimit-Policy")).as("the override applies under the declared name")
				.isEqualTo("\"public-api\";q=210;w=60");
			assertThat(context.getBean(RateLimitPolicies.class).named()).extracting(RateLimitPolicyRegistration::name)
				.as("one policy per declared name, in declaration order")
				.containsExactly("admin", "public-api");
		});
	}

	/**
	 * A name an environment variable spells as declared (no dash, no capital), and overrides from sources that spell
	 * it as declared: each source that tunes a policy ranks above {@code application.yml}, and the binder fills the
	 * map from the highest source down, so the tuned policy would come first and shadow the stricter one before it.
	 */
	@ParameterizedTest(name = "tuned by {0}")
	@ValueSource(strings = { "an environment variable", "a command-line argument", "a profile's file" })
	void tuningAPolicyFromAHigherSourceShouldKeepItsPlaceInTheOrder(String source) {
		adminThenApi("requests-per-window", "100", (sources) -> {
			switch (source) {
				case "an environment variable" -> sources.replace(SYSTEM_ENVIRONMENT,
						new SystemEnvironmentPropertySource(SYSTEM_ENVIRONMENT,
								Map.of("ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_API_REQUESTSPERWINDOW", "200",
										"ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_EXTRA_PATHS", "/extra/**")));
				case "a command-line argument" -> sources.addFirst(new SimpleCommandLinePropertySource(
						"--zeroclaw.resilience.rate-limit.policies.api.requests-per-window=200",
						"--zeroclaw.resilience.rate-limit.policies.extra.paths=/extra/**"));
				default -> sources.addBefore(APPLICATION_YML,
						new MapPropertySource("Config resource 'class path resource [application-prod.yml]'",
								Map.of("zeroclaw.resilience.rate-limit.policies.api.requests-per-window", "200",
										"zeroclaw.resilience.rate-limit.policies.extra.paths", "/extra/**")));
			}
		})
			.run((context) -> assertThat(named(context))
				.as("application.yml's order, then what only the override declares")
				.containsExactly("admin", "api", "extra"));
	}

	@Test
	void aValueOfTheBaseFileThatOnlyAnOverrideMakesValidShouldNotChangeTheOrder() {
		adminThenApi("window", "${API_WINDOW}", (sources) -> sources.addFirst(
				new SimpleCommandLinePropertySource("--zeroclaw.resilience.rate-limit.policies.api.window=30s")))
			.run((context) -> assertThat(named(context)).containsExactly("admin", "api"));
	}

	/**
	 * Default properties or a {@code @PropertySource} rank below {@code application.yml}: tuning a policy there moves
	 * nothing.
	 */
	@ParameterizedTest(name = "tuned in {0}")
	@ValueSource(strings = { "defaultProperties", "class path resource [resilience-defaults.properties]" })
	void tuningAPolicyFromALowerSourceShouldKeepItsPlaceInTheOrder(String lowerSource) {
		adminThenApi("window", "1m", (sources) -> sources.addLast(new MapPropertySource(lowerSource,
				Map.of("zeroclaw.resilience.rate-limit.policies.api.requests-per-window", "100"))))
			.run((context) -> assertThat(named(context)).containsExactly("admin", "api"));
	}

	/**
	 * A runner whose {@code application.yml} declares a strict {@code admin} policy, then a broad {@code api} one with
	 * one setting of its own, and whose other sources the test adds.
	 */
	private static WebApplicationContextRunner adminThenApi(String apiSetting, String apiValue,
			Consumer<MutablePropertySources> overrides) {
		return new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withInitializer((context) -> {
				Map<String, Object> applicationYml = new LinkedHashMap<>();
				applicationYml.put("zeroclaw.resilience.rate-limit.enabled", "true");
				applicationYml.put("zeroclaw.resilience.rate-limit.policies.admin.paths", "/api/admin/**");
				applicationYml.put("zeroclaw.resilience.rate-limit.policies.admin.requests-per-window", "1");
				applicationYml.put("zeroclaw.resilience.rate-limit.policies.api.paths", "/api/**");
				applicationYml.put("zeroclaw.resilience.rate-limit.policies.api." + apiSetting, apiValue);
				MutablePropertySources sources = context.getEnvironment().getPropertySources();
				sources.addLast(new MapPropertySource(APPLICATION_YML, applicationYml));
				overrides.accept(sources);
			});
	}

	private static List<String> named(AssertableWebApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(RateLimitPolicies.class)
			.named()
			.stream()
			.map(RateLimitPolicyRegistration::name)
			.toList();
	}

}
