package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicyRegistration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application processed ahead of time keeps the protections it was built with: the reporter says so when the
 * switches or the store now read otherwise.
 */
@ExtendWith(OutputCaptureExtension.class)
class AheadOfTimeSettingsReporterTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner();

	@Test
	void reporterShouldBeRegisteredForEveryApplication() {
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(ApplicationListener.class)).hasAtLeastOneElementOfType(AheadOfTimeSettingsReporter.class);
	}

	@Test
	void protectionSwitchedOnOnlyAtRunTimeShouldBeReportedAsNotRunning(CapturedOutput output) {
		// built without rate limiting: no policies; run with it switched on
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true").run((context) -> {
			ready(context, true);
			assertThat(output).contains("Property 'zeroclaw.resilience.rate-limit.enabled' is true now, but this "
					+ "application was processed ahead of time with it false: rate limiting is not running.");
		});
	}

	@Test
	void protectionSwitchedOffOnlyAtRunTimeShouldBeReportedAsStillRunning(CapturedOutput output) {
		this.runner.withBean(CircuitBreakerRegistry.class).run((context) -> {
			ready(context, true);
			assertThat(output).contains("Property 'zeroclaw.resilience.circuit-breaker.enabled' is false now, but this "
					+ "application was processed ahead of time with it true: circuit breakers are still running.");
		});
	}

	@Test
	void storeChangedOnlyAtRunTimeShouldBeReported(CapturedOutput output) {
		this.runner.withBean(RateLimitPolicies.class, AheadOfTimeSettingsReporterTests::memoryPolicies)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> {
				ready(context, true);
				assertThat(output).contains("Property 'zeroclaw.resilience.rate-limit.store' is redis now, but this "
						+ "application was processed ahead of time with the memory store")
					.doesNotContain("rate-limit.enabled' is");
			});
	}

	@Test
	void settingsAsBuiltOrAnApplicationNotProcessedAheadOfTimeShouldBeQuiet(CapturedOutput output) {
		this.runner.withBean(RateLimitPolicies.class, AheadOfTimeSettingsReporterTests::memoryPolicies)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> ready(context, true));
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.run((context) -> ready(context, false));
		assertThat(output).doesNotContain("processed ahead of time");
	}

	private static void ready(ConfigurableApplicationContext context, boolean aheadOfTime) {
		new AheadOfTimeSettingsReporter(() -> aheadOfTime)
			.onApplicationEvent(
					new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
	}

	private static RateLimitPolicies memoryPolicies() {
		RateLimitPolicy policy = new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY, 60, Duration.ofMinutes(1), 10);
		return new RateLimitPolicies(List.of(), new RateLimitPolicyRegistration(policy, List.of("/**"), KeyType.IP,
				"X-API-Key", new LocalRateLimiter(policy, 10)), List.of());
	}

}
