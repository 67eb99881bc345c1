package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimiterFactory;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.test.tools.CompileWithForkedClassLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reporter on a context really processed ahead of time (generated code, its bean definitions made at build
 * time, no conditions evaluated at run time): the beans it goes by are there, and the Redis store's Lettuce
 * customizers are there or not, as the build decided.
 */
@ExtendWith(OutputCaptureExtension.class)
class AheadOfTimeSettingsReporterAotProcessingTests {

	private static final String[] BUILD = { "zeroclaw.resilience.rate-limit.enabled=true",
			"zeroclaw.resilience.rate-limit.store=redis", "zeroclaw.resilience.circuit-breaker.enabled=true",
			"zeroclaw.resilience.backpressure.enabled=true", "spring.data.redis.port=1" };

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				CircuitBreakerAutoConfiguration.class, BackpressureAutoConfiguration.class,
				DataRedisAutoConfiguration.class))
		.withPropertyValues(BUILD);

	@Test
	@CompileWithForkedClassLoader
	void processedContextRunWithTheBuildsSettingsShouldBeQuiet(CapturedOutput output) {
		startProcessed(this.runner, (processed) -> {
			assertThat(processed.getBeanNamesForType(ClientResourcesBuilderCustomizer.class))
				.contains("zeroclawRedisReconnectDelayCustomizer", "zeroclawRedisChannelCloser");
			ready(processed);
		});
		assertThat(output).doesNotContain("processed ahead of time");
	}

	@Test
	@CompileWithForkedClassLoader
	void processedContextRunWithOtherSettingsShouldSayWhatRuns(CapturedOutput output) {
		startProcessed(this.runner, (processed) -> ready(processed, "zeroclaw.resilience.rate-limit.store=memory",
				"zeroclaw.resilience.backpressure.enabled=false"));
		assertThat(output).contains("rate-limit.store' is memory now")
			.contains("backpressure.enabled' is false now")
			.doesNotContain("circuit-breaker.enabled' is");
	}

	@Test
	@CompileWithForkedClassLoader
	void processedContextWithTheApplicationsFactoryShouldHaveNoLettuceCustomizers(CapturedOutput output) {
		startProcessed(this.runner.withUserConfiguration(OwnFactoryConfiguration.class), (processed) -> {
					assertThat(processed.getBeanNamesForType(ClientResourcesBuilderCustomizer.class))
						.noneMatch((name) -> name.startsWith("zeroclaw"));
					ready(processed, "zeroclaw.resilience.rate-limit.store=memory");
				});
		assertThat(output).doesNotContain("processed ahead of time");
	}

	private static void ready(GenericApplicationContext context, String... runProperties) {
		Map<String, Object> values = new HashMap<>();
		for (String property : runProperties) {
			int equals = property.indexOf('=');
			values.put(property.substring(0, equals), property.substring(equals + 1));
		}
		context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("run", values));
		new AheadOfTimeSettingsReporter(() -> true).onApplicationEvent(
				new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
	}

	private static void startProcessed(ApplicationContextRunner runner, Consumer<GenericApplicationContext> then) {
		ResilienceAotProcessingTests.startProcessed(runner, BUILD, then);
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnFactoryConfiguration {

		@Bean
		RateLimiterFactory rateLimiterFactory() {
			return LocalRateLimiter::new;
		}

	}

}
