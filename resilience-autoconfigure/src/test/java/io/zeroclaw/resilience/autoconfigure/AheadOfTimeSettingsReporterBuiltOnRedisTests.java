package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicyRegistration;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.LettuceConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application processed ahead of time with the Redis store, or without load shedding: the reporter tells what
 * runs.
 */
@ExtendWith(OutputCaptureExtension.class)
class AheadOfTimeSettingsReporterBuiltOnRedisTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withBean(RateLimitPolicies.class, AheadOfTimeSettingsReporterBuiltOnRedisTests::policies)
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true");

	@Test
	void redisStoreAsBuiltShouldBeQuiet(CapturedOutput output) {
		this.runner.withBean(LettuceConnector.class, AheadOfTimeSettingsReporterBuiltOnRedisTests::connector)
			.withPropertyValues("zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> ready(context));
		assertThat(output).doesNotContain("processed ahead of time");
	}

	@Test
	void memoryStoreOverABuildOnRedisShouldSayTheLimitsAreStillShared(CapturedOutput output) {
		this.runner.withBean(LettuceConnector.class, AheadOfTimeSettingsReporterBuiltOnRedisTests::connector)
			.withPropertyValues("zeroclaw.resilience.rate-limit.store=memory")
			.run((context) -> ready(context));
		assertThat(output).contains("Property 'zeroclaw.resilience.rate-limit.store' is memory now, but this "
				+ "application was processed ahead of time with the redis store, which is the one that runs: rate "
				+ "limits are still shared through Redis.");
	}

	@Test
	void loadSheddingSwitchedOnOnlyAtRunTimeShouldBeReportedAsNotRunning(CapturedOutput output) {
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.run((context) -> ready(context));
		assertThat(output).contains("Property 'zeroclaw.resilience.backpressure.enabled' is true now, but this "
				+ "application was processed ahead of time with it false: load shedding is not running.");
	}

	private static void ready(ConfigurableApplicationContext context) {
		new AheadOfTimeSettingsReporter(() -> true).onApplicationEvent(
				new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
	}

	private static LettuceConnector connector() {
		return new LettuceConnector(() -> {
			throw new IllegalStateException("never connected in this test");
		});
	}

	private static RateLimitPolicies policies() {
		RateLimitPolicy policy = new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY, 60, Duration.ofMinutes(1), 10);
		return new RateLimitPolicies(List.of(), new RateLimitPolicyRegistration(policy, List.of("/**"), KeyType.IP,
				"X-API-Key", new LocalRateLimiter(policy, 10)), List.of());
	}

}
