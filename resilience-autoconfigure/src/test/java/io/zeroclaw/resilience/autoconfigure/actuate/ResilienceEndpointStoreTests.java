package io.zeroclaw.resilience.autoconfigure.actuate;

import java.time.Duration;
import java.util.UUID;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Store;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.RateLimitDescriptor;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitKeyResolver;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimiterFactory;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The endpoint's {@code store} is where the running limiters keep their buckets, which an application processed ahead
 * of time keeps whatever the property says at run time; {@code storeAnswering} whether that store made the policies'
 * latest decisions.
 */
class ResilienceEndpointStoreTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				DataRedisAutoConfiguration.class, ResilienceActuatorAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
				"zeroclaw.resilience.rate-limit.redis.key-prefix=endpoint:" + UUID.randomUUID() + ":",
				"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
				"management.endpoints.web.exposure.include=resilience");

	@Test
	void memoryStoreShouldShowAsMemory() {
		this.contextRunner.run((context) -> assertThat(view(context).store()).isEqualTo("memory"));
	}

	@Test
	void redisStoreShouldShowAsRedis() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> assertThat(view(context).store()).isEqualTo("redis"));
	}

	@Test
	void memoryStoreShouldAlwaysAnswer() {
		this.contextRunner.run((context) -> {
			context.getBean(RateLimitPolicies.class).find("api").orElseThrow().limiter().tryAcquire("client", 1);
			assertThat(view(context).storeAnswering()).isTrue();
		});
	}

	@Test
	void redisStoreShouldSayWhileRedisDoesNotMakeThePoliciesDecisions() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.store=redis",
					"zeroclaw.resilience.rate-limit.redis.timeout=300ms")
			.run((context) -> {
				RateLimiter api = context.getBean(RateLimitPolicies.class).find("api").orElseThrow().limiter();
				// the first decisions of a cold JVM may outlast the short timeout
				await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
					api.tryAcquire("client", 1);
					return view(context).storeAnswering();
				});
				redis.stop();
				try {
					// on-failure: local, so the decision is still made, in memory
					assertThat(api.tryAcquire("client", 1).allowed()).isTrue();
					assertThat(view(context).storeAnswering()).isFalse();
					// and stays so, with no request asking, until Redis decides again
					assertThat(view(context).storeAnswering()).isFalse();
				}
				finally {
					redis.start();
				}
				await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
					api.tryAcquire("client", 1);
					return view(context).storeAnswering();
				});
			});
	}

	@Test
	void storeShouldBeTheOneTheLimitersWereBuiltOnWhateverThePropertySaysNow() {
		// as in an application processed ahead of time on one store, then started with the property naming the other
		this.contextRunner.run((context) -> assertThat(viewWithProperty(context, Store.REDIS).store())
			.isEqualTo("memory"));
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> assertThat(viewWithProperty(context, Store.MEMORY).store()).isEqualTo("redis"));
	}

	@Test
	void applicationsOwnFactoryOfInMemoryLimitersShouldShowAsMemory() {
		RateLimiterFactory own = (policy, maxKeys) -> new LocalRateLimiter(policy, 100);
		this.contextRunner.withBean(RateLimiterFactory.class, () -> own)
			.run((context) -> assertThat(view(context).store()).isEqualTo("memory"));
	}

	@Test
	void applicationsOwnLimitersShouldShowAsCustom() {
		RateLimiterFactory own = (policy, maxKeys) -> new CountingLimiter(new LocalRateLimiter(policy, maxKeys));
		this.contextRunner.withBean(RateLimiterFactory.class, () -> own)
			.run((context) -> assertThat(view(context).store()).isEqualTo("custom"));
	}

	@Test
	void factoryMixingStoresShouldShowAsCustom() {
		// the named policy in memory, the default one elsewhere
		RateLimiterFactory mixed = (policy, maxKeys) -> policy.name().equals(RateLimitPolicies.DEFAULT_POLICY)
				? new CountingLimiter(new LocalRateLimiter(policy, maxKeys)) : new LocalRateLimiter(policy, maxKeys);
		this.contextRunner.withBean(RateLimiterFactory.class, () -> mixed)
			.run((context) -> assertThat(view(context).store()).isEqualTo("custom"));
	}

	@Test
	void rateLimitingOffShouldShowTheConfiguredStore() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=false",
					"zeroclaw.resilience.circuit-breaker.enabled=true", "zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> {
				RateLimitDescriptor view = view(context);
				assertThat(view.enabled()).isFalse();
				assertThat(view.store()).isEqualTo("redis");
			});
	}

	private static RateLimitDescriptor view(AssertableWebApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(ResilienceEndpoint.class).resilience().rateLimit();
	}

	private static RateLimitDescriptor viewWithProperty(AssertableWebApplicationContext context, Store store) {
		assertThat(context).hasNotFailed();
		ResilienceProperties properties = new ResilienceProperties();
		properties.getRateLimit().setStore(store);
		ResilienceEndpoint endpoint = new ResilienceEndpoint(properties,
				context.getBeanProvider(RateLimitPolicies.class), context.getBeanProvider(RateLimitKeyResolver.class),
				context.getBeanProvider(CircuitBreakerRegistry.class),
				context.getBeanProvider(BackpressureController.class));
		return endpoint.resilience().rateLimit();
	}

	/** An application's own limiter: here one that wraps the in-memory one. */
	private record CountingLimiter(RateLimiter delegate) implements RateLimiter {

		@Override
		public RateLimitDecision tryAcquire(String key, long permits) {
			return this.delegate.tryAcquire(key, permits);
		}

	}

}
