package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimiterFactory;
import io.zeroclaw.resilience.backpressure.BackpressureConfig;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application processed ahead of time keeps the protections it was built with: the reporter says so when the
 * switches or the store now read otherwise. Each test starts the real auto-configurations with the properties of
 * the build, then sets the properties of the run over them before the application is ready, as a run of the
 * processed application with other settings would have them.
 */
@ExtendWith(OutputCaptureExtension.class)
class AheadOfTimeSettingsReporterTests {

	private static final AutoConfigurations PROTECTIONS = AutoConfigurations.of(ResilienceAutoConfiguration.class,
			RateLimitAutoConfiguration.class, CircuitBreakerAutoConfiguration.class,
			BackpressureAutoConfiguration.class);

	private static final String[] ALL_ON = { "zeroclaw.resilience.rate-limit.enabled=true",
			"zeroclaw.resilience.circuit-breaker.enabled=true", "zeroclaw.resilience.backpressure.enabled=true" };

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				CircuitBreakerAutoConfiguration.class, BackpressureAutoConfiguration.class,
				DataRedisAutoConfiguration.class))
		// a Redis nothing answers on: the store starts, and nothing is decided in these tests
		.withPropertyValues("spring.data.redis.port=1");

	@Test
	void reporterShouldBeRegisteredForEveryApplication() {
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(ApplicationListener.class))
			.hasAtLeastOneElementOfType(AheadOfTimeSettingsReporter.class);
	}

	@Test
	void protectionSwitchedOnOnlyAtRunTimeShouldBeReportedAsNotRunning(CapturedOutput output) {
		this.runner.run((context) -> ready(context, "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.backpressure.enabled=true"));
		assertThat(output).contains("Property 'zeroclaw.resilience.rate-limit.enabled' is true now, but this "
				+ "application was processed ahead of time with it false: rate limiting is not running.")
			.contains("Property 'zeroclaw.resilience.backpressure.enabled' is true now, but this application was "
					+ "processed ahead of time with it false: load shedding is not running.");
	}

	@Test
	void protectionSwitchedOffOnlyAtRunTimeShouldBeReportedAsStillRunning(CapturedOutput output) {
		this.runner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> ready(context, "zeroclaw.resilience.circuit-breaker.enabled=false"));
		assertThat(output).contains("Property 'zeroclaw.resilience.circuit-breaker.enabled' is false now, but this "
				+ "application was processed ahead of time with it true: circuit breakers are still running.");
	}

	@Test
	void redisStoreOverABuildWithTheMemoryStoreShouldSayTheLimitsAreNotShared(CapturedOutput output) {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> ready(context, "zeroclaw.resilience.rate-limit.store=redis"));
		assertThat(output).contains("Property 'zeroclaw.resilience.rate-limit.store' is redis now, but this "
				+ "application was processed ahead of time with the memory store, which is the one that runs: rate "
				+ "limits are kept in each instance's memory, not shared.")
			.doesNotContain("rate-limit.enabled' is");
	}

	@Test
	void memoryStoreOverABuildOnRedisShouldSayTheLimitsAreStillShared(CapturedOutput output) {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> ready(context, "zeroclaw.resilience.rate-limit.store=memory"));
		assertThat(output).contains("Property 'zeroclaw.resilience.rate-limit.store' is memory now, but this "
				+ "application was processed ahead of time with the redis store, which is the one that runs: rate "
				+ "limits are still shared through Redis.");
	}

	@Test
	void settingsAsBuiltShouldBeQuiet(CapturedOutput output) {
		this.runner
			.withPropertyValues(ALL_ON)
			.run((context) -> ready(context));
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> ready(context));
		assertThat(output).doesNotContain("processed ahead of time");
	}

	@Test
	void applicationNotProcessedAheadOfTimeShouldBeQuiet(CapturedOutput output) {
		this.runner.run((context) -> {
			override(context, "zeroclaw.resilience.backpressure.enabled=true");
			new AheadOfTimeSettingsReporter(() -> false).onApplicationEvent(
					new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
		});
		assertThat(output).doesNotContain("processed ahead of time");
	}

	@Test
	void applicationsOwnFactoryShouldDrawNoWarningOfTheStoreWhateverItsName(CapturedOutput output) {
		// an own factory replaces both stores, the Redis store's connector included, whatever the store property says
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis")
			.withBean("rateLimiterFactory", RateLimiterFactory.class, () -> LocalRateLimiter::new)
			.run((context) -> ready(context));
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.withBean("rateLimiterFactory", RateLimiterFactory.class, () -> LocalRateLimiter::new)
			.run((context) -> ready(context, "zeroclaw.resilience.rate-limit.store=redis"));
		assertThat(output).doesNotContain("processed ahead of time");
	}

	@Test
	void applicationsOwnRegistryAndControllerUsedByHandShouldNotPassForTheProtections(CapturedOutput output) {
		this.runner.withBean(CircuitBreakerRegistry.class)
			.withBean(BackpressureController.class,
					() -> new BackpressureController(new BackpressureConfig(10, 0.5, 0.7, 0.85, 0.95)))
			.run((context) -> ready(context));
		assertThat(output).doesNotContain("processed ahead of time");
	}

	@Test
	void reactiveApplicationAsBuiltShouldBeQuiet(CapturedOutput output) {
		new ReactiveWebApplicationContextRunner().withConfiguration(PROTECTIONS)
			.withPropertyValues(ALL_ON)
			.run((context) -> ready(context));
		assertThat(output).doesNotContain("processed ahead of time");
	}

	@Test
	void childOfAnAutoConfiguredParentShouldBeQuietWithItsOwnAutoConfigurationOrWithout(CapturedOutput output) {
		new ApplicationContextRunner().withConfiguration(PROTECTIONS).withPropertyValues(ALL_ON).run((parent) -> {
			new ApplicationContextRunner().withParent(parent)
				.withPropertyValues(ALL_ON)
				.run((child) -> ready(child));
			new ApplicationContextRunner().withParent(parent)
				.withConfiguration(PROTECTIONS)
				.withPropertyValues(ALL_ON)
				.run((child) -> ready(child));
		});
		assertThat(output).doesNotContain("processed ahead of time");
	}

	@Test
	void childThatRanTheAutoConfigurationItselfShouldBeJudgedByItsOwn(CapturedOutput output) {
		new ApplicationContextRunner().withConfiguration(PROTECTIONS).withPropertyValues(ALL_ON).run((parent) -> {
			// built with rate limiting off in the child (a child sees its parent's properties unless it sets its own)
			new ApplicationContextRunner().withParent(parent)
				.withConfiguration(PROTECTIONS)
				.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=false")
				.run((child) -> ready(child, "zeroclaw.resilience.rate-limit.enabled=true"));
		});
		assertThat(output).contains("Property 'zeroclaw.resilience.rate-limit.enabled' is true now, but this "
				+ "application was processed ahead of time with it false: rate limiting is not running.");
	}

	/** Sets the run's properties over the build's, then tells the reporter the application is ready, as processed. */
	private static void ready(ConfigurableApplicationContext context, String... runProperties) {
		assertThat((ApplicationContextAssertProvider<?>) context).hasNotFailed();
		override(context, runProperties);
		new AheadOfTimeSettingsReporter(() -> true).onApplicationEvent(
				new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
	}

	private static void override(ConfigurableApplicationContext context, String... properties) {
		Map<String, Object> values = new HashMap<>();
		for (String property : properties) {
			int equals = property.indexOf('=');
			values.put(property.substring(0, equals), property.substring(equals + 1));
		}
		context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("run", values));
	}

}
