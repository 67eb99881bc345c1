package io.zeroclaw.resilience.autoconfigure.ratelimit;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@link RateLimiterFactory} of the application's own replaces both stores, "the Redis store's wiring included"
 * (README): with {@code store: redis} left set, the starter should then leave the application's own Lettuce client
 * (its cache, its sessions) as Spring Boot configures it.
 */
class RedisWiringBesideAnApplicationFactoryTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				DataRedisAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.store=redis", "spring.data.redis.port=1")
		.withBean(RateLimiterFactory.class, () -> LocalRateLimiter::new);

	@Test
	void applicationsFactoryShouldLeaveTheApplicationsLettuceClientResourcesAlone() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean("zeroclawRedisConnector");
			assertThat(context.getBeanNamesForType(ClientResourcesBuilderCustomizer.class))
				.as("the starter's customizers of the application's Lettuce client")
				.noneMatch((name) -> name.startsWith("zeroclaw"));
			// Lettuce's own default: exponential back-off up to 30 s between reconnect attempts
			assertThat(context.getBean(ClientResources.class).reconnectDelay().createDelay(20))
				.isEqualTo(Delay.exponential().createDelay(20));
		});
	}

}
