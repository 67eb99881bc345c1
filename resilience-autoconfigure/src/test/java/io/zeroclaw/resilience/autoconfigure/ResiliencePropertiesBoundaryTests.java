package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.MapPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The values at the edge of each range the validator checks: the last valid one starts, the first degenerate one
 * fails naming its property.
 */
@ExtendWith(OutputCaptureExtension.class)
class ResiliencePropertiesBoundaryTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class));

	@ParameterizedTest(name = "{0} starts")
	@CsvSource(delimiter = '|', textBlock = """
			circuit-breaker.failure-threshold=1
			circuit-breaker.instances.openAi.failure-threshold=1
			circuit-breaker.ignore-exceptions=java.lang.IllegalArgumentException
			backpressure.max-queue-depth=1
			backpressure.shed-thresholds.high=1.0
			backpressure.shed-thresholds.normal=0.95
			backpressure.graceful-shutdown-timeout=0s
			rate-limit.max-keys=1
			rate-limit.ipv6-prefix-length=1
			rate-limit.ipv6-prefix-length=128
			rate-limit.window=18262d,rate-limit.requests-per-window=1,rate-limit.burst=0
			rate-limit.window=PT438287H59M59.999999S,rate-limit.requests-per-window=1,rate-limit.burst=0
			rate-limit.requests-per-window=999999999999999,rate-limit.window=1ms,rate-limit.burst=0
			""")
	void lastValidValueOfARangeShouldStart(String settings) {
		String feature = settings.substring(0, settings.indexOf('.'));
		this.contextRunner.withPropertyValues("zeroclaw.resilience." + feature + ".enabled=true")
			.withPropertyValues(Arrays.stream(settings.split(",")).map("zeroclaw.resilience."::concat)
				.toArray(String[]::new))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void zeroBackgroundThresholdShouldFailNamingIt() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.shed-thresholds.background=0.0")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription())
					.contains("'zeroclaw.resilience.backpressure.shed-thresholds.background'")
					.contains("must lie in (0, 1]");
			});
	}

	@ParameterizedTest(name = "{0} below {1} names {1} as the threshold it is below")
	@CsvSource({ "low, background, 0.4, 0.5", "normal, low, 0.6, 0.7", "high, normal, 0.8, 0.85" })
	void thresholdBelowTheLessImportantOneShouldNameThatOne(String priority, String below, String value,
			String belowValue) {
		String prefix = "zeroclaw.resilience.backpressure.shed-thresholds.";
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true", prefix + priority + "=" + value)
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'" + prefix + priority + "'")
					.contains("it is below the " + below + " threshold (" + belowValue + ")");
				assertThat(analysis.getAction()).contains(prefix + priority);
			});
	}

	@Test
	void burstThatTakesTheRefillPastFiftyYearsShouldFailNamingWindow() {
		// one request every 25 years: an empty bucket of three takes 75 to refill
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=2", "zeroclaw.resilience.rate-limit.burst=1",
					"zeroclaw.resilience.rate-limit.window=18262d")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'zeroclaw.resilience.rate-limit.window'")
					.contains("more than 50 years to refill");
			});
	}

	@ParameterizedTest(name = "{0}={1} refuses to start with the Redis store")
	@CsvSource(delimiter = '|', textBlock = """
			rate-limit.policies[:api].paths | /api/**   | rate-limit.policies         | :api
			rate-limit.policies[{api].paths | /api/**   | rate-limit.policies         | {api
			rate-limit.policies[}api].paths | /api/**   | rate-limit.policies         | }api
			rate-limit.policies[api}].paths | /api/**   | rate-limit.policies         | api}
			rate-limit.redis.key-prefix     | {app:rl:  | rate-limit.redis.key-prefix | {app:rl:
			rate-limit.redis.key-prefix     | }app:rl:  | rate-limit.redis.key-prefix | }app:rl:
			""")
	void braceOrColonAtTheStartOfANameShouldFailAsAnywhereElse(String property, String value, String reported,
			String reportedValue) {
		// a property source of its own: withPropertyValues would read the ':' in a key as its separator
		Map<String, Object> properties = Map.of("zeroclaw.resilience.rate-limit.enabled", "true",
				"zeroclaw.resilience.rate-limit.store", "redis", "zeroclaw.resilience." + property, value);
		this.contextRunner
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("test", properties)))
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription())
					.contains("'zeroclaw.resilience." + reported + "' has the value '" + reportedValue + "'");
			});
	}

	@Test
	void redisTimeoutOfExactlyAMinuteShouldBeAccepted() {
		ResilienceProperties properties = new ResilienceProperties();
		properties.getRateLimit().setEnabled(true);
		properties.getRateLimit().setStore(ResilienceProperties.Store.REDIS);
		properties.getRateLimit().getRedis().setTimeout(Duration.ofMinutes(1));
		assertThatNoException().isThrownBy(
				() -> ResiliencePropertiesValidator.validate(properties, getClass().getClassLoader()));
		properties.getRateLimit().getRedis().setTimeout(Duration.ofMinutes(1).plusNanos(1));
		assertThatExceptionOfType(InvalidResiliencePropertyException.class).isThrownBy(
				() -> ResiliencePropertiesValidator.validate(properties, getClass().getClassLoader()))
			.satisfies((ex) -> assertThat(ex.getProperty()).isEqualTo("zeroclaw.resilience.rate-limit.redis.timeout"));
	}

	@Test
	void bareGracefulShutdownTimeoutOfAThousandSecondsShouldBeReportedAsPossiblyMeantInMilliseconds(
			CapturedOutput output) {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
					"zeroclaw.resilience.backpressure.graceful-shutdown-timeout=1000")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Property 'zeroclaw.resilience.backpressure.graceful-shutdown-timeout' is "
						+ "the bare number 1000, which is read as seconds: 16m40s.");
			});
	}

}
