package io.zeroclaw.resilience.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Each degenerate value of an enabled feature refuses to start, with a failure analysis that names the property, the
 * bad value and what to set.
 */
@ExtendWith(OutputCaptureExtension.class)
class ResiliencePropertiesValidationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class));

	@ParameterizedTest(name = "{0}={1} refuses to start")
	@CsvSource(delimiter = '|', textBlock = """
			rate-limit.window                                  | 0s    | rate-limit.window
			rate-limit.window                                  | -1m   | rate-limit.window
			rate-limit.requests-per-window                     | -1    | rate-limit.requests-per-window
			rate-limit.burst                                   | -5    | rate-limit.burst
			rate-limit.max-keys                                | 0     | rate-limit.max-keys
			rate-limit.ipv6-prefix-length                      | 0     | rate-limit.ipv6-prefix-length
			rate-limit.ipv6-prefix-length                      | 129   | rate-limit.ipv6-prefix-length
			rate-limit.burst                                   | 9223372036854775807 | rate-limit.burst
			rate-limit.window                                  | PT87600000H | rate-limit.window
			circuit-breaker.failure-threshold                  | 0     | circuit-breaker.failure-threshold
			circuit-breaker.recovery-timeout                   | 0s    | circuit-breaker.recovery-timeout
			circuit-breaker.half-open-max-requests             | 0     | circuit-breaker.half-open-max-requests
			circuit-breaker.instances.openAi.failure-threshold | -2    | circuit-breaker.instances.openAi.failure-threshold
			circuit-breaker.ignore-exceptions                  | com.example.NoSuchException | circuit-breaker.ignore-exceptions[0]
			circuit-breaker.ignore-exceptions                  | java.lang.String | circuit-breaker.ignore-exceptions[0]
			backpressure.max-queue-depth                       | 0     | backpressure.max-queue-depth
			backpressure.shed-thresholds.low                   | 0.0   | backpressure.shed-thresholds.low
			backpressure.shed-thresholds.high                  | 1.5   | backpressure.shed-thresholds.high
			backpressure.shed-thresholds.background            | -0.1  | backpressure.shed-thresholds.background
			backpressure.graceful-shutdown-timeout             | -1s   | backpressure.graceful-shutdown-timeout
			""")
	void degenerateValueOfAnEnabledFeatureShouldFailNamingTheProperty(String property, String value,
			String reported) {
		String feature = property.substring(0, property.indexOf('.'));
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience." + feature + ".enabled=true",
					"zeroclaw.resilience." + property + "=" + value)
			.run(failsNaming("zeroclaw.resilience." + reported, value));
	}

	@ParameterizedTest(name = "{0}= refuses to start, saying it is empty")
	@ValueSource(strings = { "rate-limit.window", "rate-limit.key", "rate-limit.redis.timeout",
			"rate-limit.redis.on-failure", "backpressure.graceful-shutdown-timeout",
			"circuit-breaker.instances.openAi.recovery-timeout", "rate-limit.requests-per-window", "rate-limit.burst",
			"rate-limit.max-keys", "rate-limit.headers", "circuit-breaker.failure-threshold",
			"backpressure.shed-thresholds.low" })
	void emptyValueTheBinderLeavesUnboundShouldBeReportedAsEmpty(String property) {
		String name = "zeroclaw.resilience." + property;
		// named in its canonical form (lower case), with where it was written as it was written
		String canonical = name.toLowerCase(Locale.ROOT);
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true", name + "=")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'" + canonical + "'")
					.contains("\"" + name + "\"")
					.contains("has an empty value");
				assertThat(analysis.getAction()).contains("'" + canonical + "'")
					.contains("remove it to keep its default");
			});
	}

	@Test
	void twoEmptyValuesShouldBeReportedTogether() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.window=", "zeroclaw.resilience.rate-limit.key=")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'zeroclaw.resilience.rate-limit.window'")
					.contains("'zeroclaw.resilience.rate-limit.key'")
					.contains("have an empty value");
				assertThat(analysis.getAction()).contains("remove them to keep their default");
			});
	}

	@ParameterizedTest(name = "{0}= gets Spring Boot's report of an unknown name")
	@ValueSource(strings = { "rate-limit.windw", "rate-limit.requests-per-minute", "rate-limit.policies.webhook.path" })
	void misspeltPropertyWithAnEmptyValueShouldNotBeReportedAsEmpty(String property) {
		String name = "zeroclaw.resilience." + property;
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook", name + "=")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains(name).doesNotContain("empty value");
			});
	}

	@ParameterizedTest(name = "{0} with its settings commented out is reported as a group written as a value")
	@CsvSource(delimiter = '|', textBlock = """
			rate-limit.policies.webhook     | rate-limit:~  policies:~    webhook:~    #  paths: [/webhook]
			circuit-breaker.instances.openai | circuit-breaker:~  instances:~    openAi:~    #  failure-threshold: 3
			rate-limit.redis                 | rate-limit:~  redis:~  #  timeout: 100ms
			rate-limit.policies              | rate-limit:~  policies:~  #  webhook:~  #    paths: [/webhook]
			circuit-breaker.instances        | circuit-breaker:~  instances:~  #  openAi:
			""")
	void yamlKeyWithEverySettingCommentedOutShouldBeReportedAsAGroupWithoutSettings(String property, String body)
			throws Exception {
		// '~' stands for a line break in the table
		String yaml = "zeroclaw:\n  resilience:\n    " + body.replace("~", "\n    ") + "\n";
		List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("application.yml",
				new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
		this.contextRunner
			.withInitializer((context) -> sources.forEach(context.getEnvironment().getPropertySources()::addFirst))
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'zeroclaw.resilience." + property + "'")
					.contains("is written as a single value")
					.contains("commented out");
				assertThat(analysis.getAction()).contains("remove the key");
			});
	}

	@Test
	void valueWrittenWhereAGroupBelongsShouldBeQuotedWithoutTheHintAboutCommentedOutSettings() {
		// a map of policies: the binder keeps the value it could not convert (for a nested object it does not)
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.policies=/webhook/**")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'zeroclaw.resilience.rate-limit.policies'")
					.contains("'/webhook/**'")
					.contains("is written as a single value")
					.doesNotContain("commented out");
			});
	}

	@Test
	void unknownPropertyShouldStillGetSpringBootsReport() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.requests-per-minute=5").run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("zeroclaw.resilience.rate-limit.requests-per-minute")
				.doesNotContain("empty value");
		});
	}

	@ParameterizedTest(name = "ignore-exceptions={0} refuses to start")
	@ValueSource(strings = { "java.lang.Exception", "java.lang.RuntimeException", "java.lang.Throwable",
			"java.util.concurrent.CompletionException", "java.util.concurrent.ExecutionException",
			"java.lang.reflect.UndeclaredThrowableException" })
	void ignoringEveryFailureShouldFailNamingTheEntry(String type) {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.ignore-exceptions=" + type)
			.run(failsNaming("zeroclaw.resilience.circuit-breaker.ignore-exceptions[0]", type));
	}

	@Test
	void zeroRequestsAndZeroBurstShouldFailNamingRequestsPerWindow() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=0", "zeroclaw.resilience.rate-limit.burst=0")
			.run(failsNaming("zeroclaw.resilience.rate-limit.requests-per-window", "0"));
	}

	@Test
	void headerKeyWithoutHeaderNameShouldFailNamingKeyHeader() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header= ")
			.run(failsNaming("zeroclaw.resilience.rate-limit.key-header", "").andThen((context) -> assertThat(
					FailureAnalysisSupport.analyze(context.getStartupFailure()).getDescription())
				.contains("key 'header' needs the name of the header that carries the client key")));
	}

	@Test
	void headerKeyWithAHeaderNameNoRequestCanCarryShouldFailNamingKeyHeader() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X API Key")
			.run(failsNaming("zeroclaw.resilience.rate-limit.key-header", "X API Key").andThen((context) -> assertThat(
					FailureAnalysisSupport.analyze(context.getStartupFailure()).getDescription())
				.contains("every client would fall back to its address")));
	}

	@Test
	void emptyKeyHeaderShouldFailEvenWhileNoPolicyReadsIt() {
		// an unset variable behind ${API_KEY_HEADER:} would otherwise lie in wait for the first policy keyed by header
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.key-header=")
			.run(failsNaming("zeroclaw.resilience.rate-limit.key-header", ""));
	}

	@Test
	void policyKeyHeaderNoRequestCanCarryShouldFailEvenUnderAnAddressKey() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
					"zeroclaw.resilience.rate-limit.policies.api.key-header=X API Key")
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies.api.key-header", "X API Key"));
	}

	@Test
	void emptyRedisKeyPrefixShouldFailNamingIt() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis", "zeroclaw.resilience.rate-limit.redis.key-prefix=")
			.run((context) -> {
				failsNaming("zeroclaw.resilience.rate-limit.redis.key-prefix", "").accept(context);
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("namespace");
				assertThat(analysis.getAction()).contains("${spring.application.name:my-service}:rl:");
			});
		// the example, copied into an application that sets no spring.application.name
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis",
					"zeroclaw.resilience.rate-limit.redis.key-prefix=${spring.application.name:my-service}:rl:")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void ignoringEveryFailureShouldAdviseRemovingTheEntryBeforeSwitchingBreakersOff() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.ignore-exceptions=java.lang.RuntimeException")
			.run((context) -> assertThat(FailureAnalysisSupport.analyze(context.getStartupFailure()).getAction())
				.contains("remove it and set zeroclaw.resilience.circuit-breaker.enabled=false"));
	}

	@Test
	void policyMethodThatIsNotOneMethodNameShouldFailNamingMethods() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.writes.paths=/items/**",
					"zeroclaw.resilience.rate-limit.policies.writes.methods[0]=POST",
					"zeroclaw.resilience.rate-limit.policies.writes.methods[1]=PUT PATCH")
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies.writes.methods", "PUT PATCH"));
	}

	@Test
	void policyMethodThatIsNoStandardMethodShouldBeReportedAsAPossibleTypo(CapturedOutput output) {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.writes.paths=/items/**",
					"zeroclaw.resilience.rate-limit.policies.writes.methods=post,PSOT,propfind")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Property 'zeroclaw.resilience.rate-limit.policies.writes.methods' lists "
						+ "'PSOT', which is no standard HTTP or WebDAV method")
					.doesNotContain("lists 'post'")
					.doesNotContain("lists 'propfind'");
			});
	}

	@Test
	void largeBareNumberOfSecondsShouldBeReportedAsPossiblyMeantInMilliseconds(CapturedOutput output) {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.recovery-timeout=60000",
					"zeroclaw.resilience.circuit-breaker.instances.openAi.recovery-timeout=30",
					"zeroclaw.resilience.circuit-breaker.instances.openAiProvider.recovery-timeout=+5000",
					"zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.window=3600s",
					"zeroclaw.resilience.rate-limit.policies.slow.paths=/slow",
					"zeroclaw.resilience.rate-limit.policies.slow.window=86400",
					"zeroclaw.resilience.rate-limit.policies[api.v1].paths=/api/v1/**",
					"zeroclaw.resilience.rate-limit.policies[api.v1].window=7200",
					"zeroclaw.resilience.circuit-breaker.instances[com.example.OpenAiProvider].recovery-timeout=3600")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output)
					.contains("Property 'zeroclaw.resilience.circuit-breaker.recovery-timeout' is the bare number "
							+ "60000, which is read as seconds: 16h40m. Write it with a unit (60000s, or 60000ms")
					.contains("Property 'zeroclaw.resilience.rate-limit.policies.slow.window' is the bare number 86400")
					.contains("Property 'zeroclaw.resilience.circuit-breaker.instances.openAiProvider.recovery-timeout' is "
							+ "the bare number 5000, which is read as seconds: 1h23m20s.")
					.contains("rate-limit.policies[api.v1].window' is the bare number 7200")
					.contains("instances[com.example.OpenAiProvider].recovery-timeout' is the bare number 3600")
					.doesNotContain("instances.openAi.recovery-timeout' is the bare number")
					.doesNotContain("rate-limit.window' is the bare number");
			});
	}

	@Test
	void keyPrefixWithAnUnresolvedPlaceholderShouldFailSayingSo() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis",
					"zeroclaw.resilience.rate-limit.redis.key-prefix=${spring.application.name}:rl:")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidResiliencePropertyException.class)
				.hasMessageContaining("zeroclaw.resilience.rate-limit.redis.key-prefix")
				.hasMessageContaining("placeholder")
				.hasMessageNotContaining("for example zeroclaw:rl:"));
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis", "spring.application.name=billing",
					"zeroclaw.resilience.rate-limit.redis.key-prefix=${spring.application.name}:rl:")
			.run((context) -> assertThat(context.getBean(ResilienceProperties.class).getRateLimit()
				.getRedis()
				.getKeyPrefix()).isEqualTo("billing:rl:"));
	}

	@Test
	void policyMethodWildcardShouldFailNamingMethods() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.writes.paths=/items/**",
					"zeroclaw.resilience.rate-limit.policies.writes.methods=*")
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies.writes.methods", "*"));
	}

	@Test
	void policyMethodsInAnyCaseShouldStart() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.writes.paths=/items/**",
					"zeroclaw.resilience.rate-limit.policies.writes.methods=post, Put,DELETE")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void policyWhoseNameTheHeadersCannotCarryShouldFailNamingIt() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies[größe].paths=/upload")
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies", "größe"));
	}

	@ParameterizedTest(name = "policy named ''{0}''")
	@ValueSource(strings = { " ", "   ", "default ", " webhook" })
	void policyNameBlankOrWithBlanksAroundItShouldFailNamingIt(String name) {
		// a property source of its own: withPropertyValues would strip the blanks
		Map<String, Object> properties = Map.of("zeroclaw.resilience.rate-limit.enabled", "true",
				"zeroclaw.resilience.rate-limit.policies[" + name + "].paths", "/webhook");
		this.contextRunner
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("test", properties)))
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies", name));
	}

	@Test
	void policyDeclaredUnderTwoSpellingsShouldFailNamingBoth() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.public-api.paths=/api/**",
					"zeroclaw.resilience.rate-limit.policies.publicApi.burst=3")
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies", "[public-api, publicApi]"));
	}

	@Test
	void policySpellingsThatBindApartShouldFailNamingBoth() {
		// a bracketed key binds as it is, so an environment variable's lower-case form is another policy
		Map<String, Object> properties = Map.of("zeroclaw.resilience.rate-limit.enabled", "true",
				"zeroclaw.resilience.rate-limit.policies[Public_Api].paths", "/api/**",
				"zeroclaw.resilience.rate-limit.policies.publicapi.paths", "/api/**",
				"zeroclaw.resilience.rate-limit.policies.publicapi.burst", "3");
		this.contextRunner
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("test", properties)))
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'zeroclaw.resilience.rate-limit.policies'")
					.contains("Public_Api")
					.contains("publicapi")
					.contains("different settings");
			});
	}

	@Test
	void policySpellingsDifferingOnlyInCaseInTwoFilesShouldFailNamingBoth() {
		// the binder merges these into one entry: the later file's /chat would silently replace /webhook
		Map<String, Object> application = Map.of("zeroclaw.resilience.rate-limit.enabled", "true",
				"zeroclaw.resilience.rate-limit.policies.webhook.paths[0]", "/webhook",
				"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window", "5");
		Map<String, Object> profile = Map.of("zeroclaw.resilience.rate-limit.policies.Webhook.paths[0]", "/chat");
		this.contextRunner.withInitializer((context) -> {
			MutablePropertySources sources = context.getEnvironment().getPropertySources();
			sources.addFirst(new MapPropertySource("application.yml", application));
			sources.addFirst(new MapPropertySource("application-prod.yml", profile));
		}).run(failsNaming("zeroclaw.resilience.rate-limit.policies", "[Webhook, webhook]"));
	}

	@Test
	void policySpellingsDifferingOnlyInCaseInOneFileShouldFailNamingBoth() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
					"zeroclaw.resilience.rate-limit.policies.WebHook.paths=/chat")
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies", "[WebHook, webhook]"));
	}

	@Test
	void policySpellingInAnEnvironmentVariableWrittenWithDotsShouldFailLikeAnyOther() {
		// Docker, Compose and Kubernetes accept such names; Spring Boot binds them as written
		withVariablesAndFile(Map.of("zeroclaw.resilience.rate-limit.policies.Webhook.paths", "/chat"),
				Map.of("zeroclaw.resilience.rate-limit.enabled", "true",
						"zeroclaw.resilience.rate-limit.policies.webhook.paths[0]", "/webhook"))
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies", "[Webhook, webhook]"));
	}

	@Test
	void policyTunedByAnEnvironmentVariableInCapitalsShouldStart() {
		withVariablesAndFile(Map.of("ZEROCLAW_RESILIENCE_RATELIMIT_POLICIES_CHATWRITES_BURST", "3"),
				Map.of("zeroclaw.resilience.rate-limit.enabled", "true",
						"zeroclaw.resilience.rate-limit.policies.chat-writes.paths[0]", "/chat"))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	/** The runner with the given environment variables, and a configuration file below them. */
	private ApplicationContextRunner withVariablesAndFile(Map<String, Object> variables, Map<String, Object> file) {
		return this.contextRunner.withInitializer((context) -> {
			String name = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
			MutablePropertySources sources = context.getEnvironment().getPropertySources();
			sources.replace(name, new SystemEnvironmentPropertySource(name, variables));
			sources.addLast(new MapPropertySource("application.yml", file));
		});
	}

	@Test
	void policiesWrittenAsAListShouldFailSayingTheyAreAMapByName() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies[0].paths=/webhook",
					"zeroclaw.resilience.rate-limit.policies[0].requests-per-window=5")
			.run((context) -> {
				failsNaming("zeroclaw.resilience.rate-limit.policies", "0").accept(context);
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("digits only").contains("written as a list");
				assertThat(analysis.getAction()).contains("webhook: { paths:");
			});
	}

	@Test
	void bareNumbersForWindowsAndRecoveryTimeoutsShouldBeSecondsAsInTheHeaders() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.window=60",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
					"zeroclaw.resilience.rate-limit.policies.webhook.window=30",
					"zeroclaw.resilience.circuit-breaker.recovery-timeout=30",
					"zeroclaw.resilience.circuit-breaker.instances.chat.recovery-timeout=10")
			.run((context) -> {
				ResilienceProperties properties = context.getBean(ResilienceProperties.class);
				assertThat(properties.getRateLimit().getWindow()).isEqualTo(Duration.ofSeconds(60));
				assertThat(properties.getRateLimit().getPolicies().get("webhook").getWindow())
					.isEqualTo(Duration.ofSeconds(30));
				assertThat(properties.getCircuitBreaker().getRecoveryTimeout()).isEqualTo(Duration.ofSeconds(30));
				assertThat(properties.getCircuitBreaker().getInstances().get("chat").getRecoveryTimeout())
					.isEqualTo(Duration.ofSeconds(10));
			});
	}

	@Test
	void bareNumberForTheGracefulShutdownTimeoutShouldBeSecondsLikeTheOtherLongWaits() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.graceful-shutdown-timeout=20",
					"zeroclaw.resilience.rate-limit.redis.timeout=80")
			.run((context) -> {
				ResilienceProperties properties = context.getBean(ResilienceProperties.class);
				assertThat(properties.getBackpressure().getGracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
				// a decision's wait for Redis is milliseconds, as its default says
				assertThat(properties.getRateLimit().getRedis().getTimeout()).isEqualTo(Duration.ofMillis(80));
			});
	}

	@Test
	void capacityBeyondWhatTheRateLimitHeadersCarryShouldFailNamingTheBiggerPart() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=0",
					"zeroclaw.resilience.rate-limit.burst=1000000000000000")
			.run(failsNaming("zeroclaw.resilience.rate-limit.burst", "1000000000000000"));
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=999999999999999",
					"zeroclaw.resilience.rate-limit.window=1000000000s", "zeroclaw.resilience.rate-limit.burst=1")
			.run(failsNaming("zeroclaw.resilience.rate-limit.requests-per-window", "999999999999999"));
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=0",
					"zeroclaw.resilience.rate-limit.burst=999999999999999")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@ParameterizedTest(name = "{0}={1} refuses to start with the Redis store")
	@CsvSource(delimiter = '|', textBlock = """
			rate-limit.policies[api:header].paths | /api/**    | rate-limit.policies         | api:header
			rate-limit.policies[a{b}].paths       | /api/**    | rate-limit.policies         | a{b}
			rate-limit.redis.key-prefix           | rl:{all}:  | rate-limit.redis.key-prefix | rl:{all}:
			""")
	void namesThatWouldBreakTheRedisKeyShapeShouldFailNamingTheProperty(String property, String value,
			String reported, String reportedValue) {
		// a property source of its own: withPropertyValues would read the ':' in a key as its separator
		Map<String, Object> properties = Map.of("zeroclaw.resilience.rate-limit.enabled", "true",
				"zeroclaw.resilience.rate-limit.store", "redis", "zeroclaw.resilience." + property, value);
		this.contextRunner
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("test", properties)))
			.run(failsNaming("zeroclaw.resilience." + reported, reportedValue));
	}

	@Test
	void quotaRefilledOverALongButBoundedSpanShouldStart() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=1",
					"zeroclaw.resilience.rate-limit.window=3650d", "zeroclaw.resilience.rate-limit.burst=0")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void refillSpanJustPastTheBoundByAFractionOfAMicrosecondShouldFail() {
		// 50 years (18 262 days) and 1 ns: the Redis store rounds the refill interval up to a whole microsecond, so
		// this bucket takes a microsecond longer than the bound to refill there
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=1",
					"zeroclaw.resilience.rate-limit.window=PT438288H0.000000001S",
					"zeroclaw.resilience.rate-limit.burst=0")
			.run(failsNaming("zeroclaw.resilience.rate-limit.window", "1577836800000000001ns"));
	}

	@Test
	void unknownKeyTypeShouldFailNamingKeyAndListingTheValidValues() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.key=cookie")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("zeroclaw.resilience.rate-limit.key").contains("cookie");
				assertThat(analysis.getAction()).contains("IP").contains("HEADER").contains("PRINCIPAL");
			});
	}

	@Test
	void policyWithDegenerateWindowShouldFailNamingThePolicyProperty() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
					"zeroclaw.resilience.rate-limit.policies.webhook.window=0s")
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies.webhook.window", "0s"));
	}

	@Test
	void policyWithoutPathsShouldFailNamingPaths() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.webhook.burst=0")
			.run(failsNaming("zeroclaw.resilience.rate-limit.policies.webhook.paths", "[]"));
	}

	@Test
	void policyWithHeaderKeyInheritsTheTopLevelHeaderName() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
					"zeroclaw.resilience.rate-limit.policies.api.key=header")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	/** What the report suggests is a value the next check (the order of the thresholds) accepts too. */
	@ParameterizedTest(name = "shed-thresholds.{0} out of range suggests its default, {1}")
	@CsvSource({ "background, 0.5", "low, 0.7", "normal, 0.85", "high, 0.95" })
	void thresholdOutOfRangeShouldSuggestItsOwnDefault(String priority, String defaultValue) {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.shed-thresholds." + priority + "=1.5")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getAction()).contains("the default is " + defaultValue);
			});
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.shed-thresholds." + priority + "=" + defaultValue)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void thresholdsOutOfOrderShouldFailNamingTheLowerOne() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.shed-thresholds.low=0.9",
					"zeroclaw.resilience.backpressure.shed-thresholds.normal=0.8")
			.run(failsNaming("zeroclaw.resilience.backpressure.shed-thresholds.normal", "0.8"));
	}

	@ParameterizedTest(name = "store=redis without {0} refuses to start")
	@CsvSource(delimiter = '|', textBlock = """
			org.springframework.data.redis | Spring Data Redis | spring-boot-starter-data-redis
			io.lettuce                     | Lettuce           | lettuce-core
			""")
	void redisStoreWithoutWhatItNeedsShouldFailNamingStore(String hiddenPackage, String missing, String dependency) {
		this.contextRunner.withClassLoader(new FilteredClassLoader(hiddenPackage))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("zeroclaw.resilience.rate-limit.store").contains(missing);
				assertThat(analysis.getAction()).contains(dependency);
			});
	}

	@ParameterizedTest(name = "{0}={1} refuses to start")
	@CsvSource(delimiter = '|', textBlock = """
			rate-limit.enabled      | 1
			circuit-breaker.enabled | on
			backpressure.enabled    | yes
			""")
	void switchThatBindsAsTrueButWouldLeaveTheFeatureOffShouldFailNamingIt(String property, String value) {
		this.contextRunner.withPropertyValues("zeroclaw.resilience." + property + "=" + value)
			.run(failsNaming("zeroclaw.resilience." + property, value));
	}

	@Test
	void switchBoundAsTrueFromASourceTheConditionsCannotSeeShouldFailNamingIt() {
		ResilienceProperties properties = new ResilienceProperties();
		properties.getBackpressure().setEnabled(true);
		assertThatExceptionOfType(InvalidResiliencePropertyException.class)
			.isThrownBy(() -> ResiliencePropertiesValidator.validate(properties, getClass().getClassLoader(),
					new MockEnvironment()))
			.satisfies((ex) -> assertThat(ex.getMessage()).contains("zeroclaw.resilience.backpressure.enabled")
				.contains("cannot see")
				.doesNotContain("'null'"));
	}

	@ParameterizedTest(name = "{0} refuses to start")
	@CsvSource(delimiter = '|', textBlock = """
			rate-limit.requests-per-minute=5
			rate-limit.policies.hooks.path=/hooks
			circuit-breaker.instances.llm.failure-treshold=3
			""")
	void misspelledPropertyShouldFailNamingIt(String property) {
		String name = "zeroclaw.resilience." + property.substring(0, property.indexOf('='));
		this.contextRunner.withPropertyValues("zeroclaw.resilience." + property).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains(name);
		});
	}

	@Test
	void switchesSpelledAsTheConditionsReadThemShouldStart() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=TRUE",
					"zeroclaw.resilience.circuit-breaker.enabled=off", "zeroclaw.resilience.backpressure.enabled=False",
					"zeroclaw.resilience.rate-limit.store=Memory")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void emptyStoreShouldFailNamingStoreRatherThanLeaveNoStore() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.store=")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("zeroclaw.resilience.rate-limit.store");
			});
	}

	@Test
	void redisTimeoutBeyondAMinuteShouldFailNamingIt() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis", "zeroclaw.resilience.rate-limit.redis.timeout=1000000d")
			.run(failsNaming("zeroclaw.resilience.rate-limit.redis.timeout", "PT24000000H"));
	}

	@Test
	void degenerateValueOfADisabledBreakerInstanceShouldNotPreventStartUp() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.legacy.enabled=false",
					"zeroclaw.resilience.circuit-breaker.instances.legacy.failure-threshold=0")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void degenerateValueOfADisabledFeatureShouldNotPreventStartUp() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.window=0s",
					"zeroclaw.resilience.circuit-breaker.failure-threshold=0",
					"zeroclaw.resilience.backpressure.max-queue-depth=0")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void defaultsOfEveryFeatureShouldBeValidWhenEnabled() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.circuit-breaker.enabled=true", "zeroclaw.resilience.backpressure.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ResilienceProperties.class));
	}

	@Test
	void propertiesShouldBindTheDesignDefaults() {
		this.contextRunner.run((context) -> {
			ResilienceProperties properties = context.getBean(ResilienceProperties.class);
			assertThat(properties.getRateLimit().isEnabled()).isFalse();
			assertThat(properties.getRateLimit().getRequestsPerWindow()).isEqualTo(60);
			assertThat(properties.getRateLimit().getWindow()).hasMinutes(1);
			assertThat(properties.getRateLimit().getBurst()).isEqualTo(10);
			assertThat(properties.getRateLimit().getMaxKeys()).isEqualTo(10000);
			assertThat(properties.getRateLimit().getKey()).isEqualTo(ResilienceProperties.KeyType.IP);
			assertThat(properties.getRateLimit().getKeyHeader()).isEqualTo("X-API-Key");
			assertThat(properties.getRateLimit().getIncludePaths()).containsExactly("/**");
			assertThat(properties.getRateLimit().getExcludePaths()).containsExactly("/actuator/**");
			assertThat(properties.getRateLimit().getStore()).isEqualTo(ResilienceProperties.Store.MEMORY);
			assertThat(properties.getRateLimit().getRedis().getTimeout()).hasMillis(50);
			assertThat(properties.getRateLimit().getRedis().getOnFailure())
				.isEqualTo(ResilienceProperties.OnFailure.LOCAL);
			assertThat(properties.getCircuitBreaker().isEnabled()).isFalse();
			assertThat(properties.getCircuitBreaker().getFailureThreshold()).isEqualTo(5);
			assertThat(properties.getCircuitBreaker().getRecoveryTimeout()).hasSeconds(30);
			assertThat(properties.getCircuitBreaker().getHalfOpenMaxRequests()).isEqualTo(1);
			assertThat(properties.getBackpressure().isEnabled()).isFalse();
			assertThat(properties.getBackpressure().getMaxQueueDepth()).isEqualTo(1000);
			assertThat(properties.getBackpressure().getShedThresholds().getBackground()).isEqualTo(0.5);
			assertThat(properties.getBackpressure().getShedThresholds().getLow()).isEqualTo(0.7);
			assertThat(properties.getBackpressure().getShedThresholds().getNormal()).isEqualTo(0.85);
			assertThat(properties.getBackpressure().getShedThresholds().getHigh()).isEqualTo(0.95);
			assertThat(properties.getBackpressure().getGracefulShutdownTimeout()).hasSeconds(30);
		});
	}

	private static ContextConsumer<AssertableApplicationContext> failsNaming(String property, String value) {
		return (context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("'" + property + "'").contains("'" + value + "'");
			assertThat(analysis.getAction()).contains(property);
		};
	}

}
