package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.FailureAnalysisSupport;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig;
import io.zeroclaw.resilience.ratelimit.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

@ExtendWith(OutputCaptureExtension.class)
class RedisRateLimiterConfigurationTests {

	private static final String CLUSTER_WARNING = "Redis Cluster whose topology Lettuce never refreshes";

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("webhook", 5, Duration.ofMinutes(1), 0);

	private final String prefix = "config:" + UUID.randomUUID() + ":";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				DataRedisAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.store=redis",
				"zeroclaw.resilience.rate-limit.redis.key-prefix=" + this.prefix,
				"zeroclaw.resilience.rate-limit.redis.timeout=1s", "spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redis.port());

	@Test
	void redisConnectionFactoryOtherThanLettuceShouldFailStartUpNamingTheStore() {
		RedisConnectionFactory other = (RedisConnectionFactory) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { RedisConnectionFactory.class }, (proxy, method, args) -> {
					throw new UnsupportedOperationException("not a Redis client");
				});
		this.contextRunner.withBean("redisConnectionFactory", RedisConnectionFactory.class, () -> other)
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("zeroclaw.resilience.rate-limit.store")
					.contains("needs Lettuce");
				assertThat(analysis.getAction()).contains("'memory'");
			});
	}

	@Test
	void redisStoreWithoutAnyConnectionFactoryShouldFailStartUpNamingTheStore() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("zeroclaw.resilience.rate-limit.store")
					.contains("there is none");
				assertThat(analysis.getAction()).contains("spring.data.redis").contains("'memory'");
			});
	}

	@Test
	void redisStoreWithSpringDataRedisButNotBootsRedisModuleShouldNameTheStarter() {
		// an application moved from Spring Boot 3 that depends on spring-data-redis and lettuce-core by themselves
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader("org.springframework.boot.data.redis."))
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("zeroclaw.resilience.rate-limit.store")
					.contains("spring-boot-data-redis")
					.doesNotContain("excluded");
				assertThat(analysis.getAction()).contains("spring-boot-starter-data-redis").contains("'memory'");
			});
	}

	@Test
	void clusterWhoseTopologyNeverRefreshesShouldBeWarnedOfAtStartUp(CapturedOutput output) {
		String nodes = "spring.data.redis.cluster.nodes=127.0.0.1:" + redis.port();
		this.contextRunner.withPropertyValues(nodes, "zeroclaw.resilience.rate-limit.redis.on-failure=allow")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).contains(CLUSTER_WARNING).contains("spring.data.redis.lettuce.cluster.refresh.adaptive=true");
	}

	@Test
	void clusterRefreshedOnlyAdaptivelyShouldBeWarnedOfAtStartUp(CapturedOutput output) {
		// a master this instance never connected to reports no trouble when it fails over: only a periodic refresh
		// notices
		this.contextRunner
			.withPropertyValues("spring.data.redis.cluster.nodes=127.0.0.1:" + redis.port(),
					"spring.data.redis.lettuce.cluster.refresh.adaptive=true",
					"zeroclaw.resilience.rate-limit.redis.on-failure=allow")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain(CLUSTER_WARNING)
			.contains("refreshes only when a connection reports trouble")
			.contains("spring.data.redis.lettuce.cluster.refresh.period=30s");
	}

	@Test
	void clusterWithPeriodicRefreshOrNoClusterShouldNotBeWarnedOf(CapturedOutput output) {
		this.contextRunner
			.withPropertyValues("spring.data.redis.cluster.nodes=127.0.0.1:" + redis.port(),
					"spring.data.redis.lettuce.cluster.refresh.adaptive=true",
					"spring.data.redis.lettuce.cluster.refresh.period=30s",
					"zeroclaw.resilience.rate-limit.redis.on-failure=allow")
			.run((context) -> assertThat(context).hasNotFailed());
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain("Redis Cluster whose topology");
	}

	@Test
	void sentinelWithoutReadFromShouldBeWarnedOfAtStartUp(CapturedOutput output) throws Exception {
		// nothing answers there: start-up does not wait for Redis, and only the configuration is looked at
		this.contextRunner
			.withPropertyValues("spring.data.redis.sentinel.master=zeroclaw",
					"spring.data.redis.sentinel.nodes=127.0.0.1:" + deadPort(),
					"zeroclaw.resilience.rate-limit.redis.on-failure=allow")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).contains("The Redis rate-limit store is behind Sentinel")
			.contains("spring.data.redis.lettuce.read-from=upstream");
	}

	@Test
	void sentinelWithReadFromOrNoSentinelShouldNotBeWarnedOf(CapturedOutput output) throws Exception {
		this.contextRunner
			.withPropertyValues("spring.data.redis.sentinel.master=zeroclaw",
					"spring.data.redis.sentinel.nodes=127.0.0.1:" + deadPort(),
					"spring.data.redis.lettuce.read-from=upstream",
					"zeroclaw.resilience.rate-limit.redis.on-failure=allow")
			.run((context) -> assertThat(context).hasNotFailed());
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain("behind Sentinel");
	}

	@Test
	void redisStoreShouldCreateRedisLimitersOnTheApplicationsRedis() {
		this.contextRunner.run((context) -> {
			RateLimiter limiter = context.getBean(RateLimiterFactory.class).create(POLICY, 100);
			assertThat(limiter).isInstanceOf(RedisRateLimiter.class);
			RateLimitDecision decision = limiter.tryAcquire("10.0.0.1");
			assertThat(decision.allowed()).isTrue();
			assertThat(decision.remaining()).isEqualTo(4);
			assertThat(redis.command("EXISTS", this.prefix + "{webhook:10.0.0.1}")).isEqualTo(":1");
		});
	}

	@Test
	void limiterShouldFollowTheConnectionFactoryWhenItResetsItsSharedConnection() {
		this.contextRunner.run((context) -> {
			RateLimiter limiter = context.getBean(RateLimiterFactory.class).create(POLICY, 100);
			assertThat(limiter.tryAcquire("10.0.0.9").remaining()).isEqualTo(4);
			context.getBean(LettuceConnectionFactory.class).resetConnection();
			assertThat(limiter.tryAcquire("10.0.0.9").remaining()).isEqualTo(3);
		});
	}

	@Test
	void twoApplicationsOnOneRedisShouldShareOneQuotaExactly() {
		this.contextRunner.run((first) -> this.contextRunner.run((second) -> {
			RateLimiter one = first.getBean(RateLimiterFactory.class).create(POLICY, 100);
			RateLimiter other = second.getBean(RateLimiterFactory.class).create(POLICY, 100);
			int allowed = 0;
			for (int i = 0; i < 10; i++) {
				allowed += ((i % 2 == 0) ? one : other).tryAcquire("10.0.0.2").allowed() ? 1 : 0;
			}
			assertThat(allowed).isEqualTo(5);
		}));
	}

	@Test
	void redisPoliciesShouldCountRequestsButPublishNoInMemoryKeyGauge() {
		this.contextRunner.run((context) -> {
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.find(RateLimitMetrics.REQUESTS).tag("policy", "default").counters()).hasSize(3);
			assertThat(meters.find(RateLimitMetrics.KEYS).gauges()).isEmpty();
		});
	}

	@Test
	void defaultPolicyWithoutPathsShouldPublishNoMetrics() {
		// as with the memory store: a policy that applies to no request has nothing to count
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.include-paths=",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook")
			.run((context) -> {
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.find(RateLimitMetrics.REQUESTS).tag("policy", "default").counters()).isEmpty();
				assertThat(meters.find(RateLimitMetrics.REQUESTS).tag("policy", "webhook").counters()).hasSize(3);
			});
	}

	@Test
	void lettuceShouldReconnectWithinTheLimitersRetryIntervalAfterAnOutage() {
		this.contextRunner.run((context) -> {
			Delay delay = context.getBean(ClientResources.class).reconnectDelay();
			// Lettuce's default doubles up to 30 s: a limiter probing every 2 s would wait that long for Redis
			for (long attempt = 1; attempt <= 30; attempt++) {
				assertThat(delay.createDelay(attempt))
					.isLessThanOrEqualTo(RedisRateLimiterConfig.DEFAULT_RETRY_INTERVAL);
			}
			assertThat(delay.createDelay(30)).isEqualTo(RedisRateLimiterConfig.DEFAULT_RETRY_INTERVAL);
		});
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.store=memory")
			.run((context) -> assertThat(context.getBean(ClientResources.class).reconnectDelay().createDelay(30))
				.isEqualTo(Duration.ofSeconds(30)));
	}

	@Test
	void applicationsOwnReconnectDelayShouldWin() {
		this.contextRunner
			.withBean(ClientResourcesBuilderCustomizer.class,
					() -> (builder) -> builder.reconnectDelay(Delay.constant(Duration.ofSeconds(7))))
			.run((context) -> assertThat(context.getBean(ClientResources.class).reconnectDelay().createDelay(1))
				.isEqualTo(Duration.ofSeconds(7)));
	}

	@Test
	void memoryStoreShouldNotUseRedis() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.store=memory").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBeansOfType(RateLimiterFactory.class).values())
				.noneMatch((factory) -> factory.create(POLICY, 100) instanceof RedisRateLimiter);
		});
	}

	@Test
	void applicationsOwnFactoryShouldWin() {
		RateLimiterFactory own = LocalRateLimiter::new;
		this.contextRunner.withBean(RateLimiterFactory.class, () -> own)
			.run((context) -> assertThat(context.getBean(RateLimiterFactory.class)).isSameAs(own));
	}

	@Test
	void unreachableRedisShouldNotStopStartUpAndLocalShouldFallBackToMemory() throws Exception {
		this.contextRunner.withPropertyValues("spring.data.redis.port=" + deadPort(),
				"zeroclaw.resilience.rate-limit.redis.timeout=200ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RateLimiter limiter = context.getBean(RateLimiterFactory.class).create(POLICY, 100);
				for (int i = 0; i < 5; i++) {
					assertThat(limiter.tryAcquire("10.0.0.3").allowed()).isTrue();
				}
				RateLimitDecision refused = limiter.tryAcquire("10.0.0.3");
				assertThat(refused.allowed()).isFalse();
				assertThat(refused.retryAfter()).isPositive();
				assertThat(context.getBean(MeterRegistry.class)
					.get(RateLimitMetrics.REQUESTS)
					.tags("policy", "webhook", "outcome", "error")
					.counter()
					.count()).isEqualTo(6);
			});
	}

	@Test
	void unreachableRedisShouldAllowWhenSoConfigured() throws Exception {
		this.contextRunner
			.withPropertyValues("spring.data.redis.port=" + deadPort(),
					"zeroclaw.resilience.rate-limit.redis.on-failure=allow")
			.run((context) -> {
				RateLimiter limiter = context.getBean(RateLimiterFactory.class).create(POLICY, 100);
				for (int i = 0; i < 10; i++) {
					assertThat(limiter.tryAcquire("10.0.0.4").allowed()).isTrue();
				}
			});
	}

	@Test
	void unreachableRedisShouldRefuseAsUnavailableWhenSoConfigured() throws Exception {
		this.contextRunner
			.withPropertyValues("spring.data.redis.port=" + deadPort(),
					"zeroclaw.resilience.rate-limit.redis.on-failure=deny")
			.run((context) -> {
				RateLimiter limiter = context.getBean(RateLimiterFactory.class).create(POLICY, 100);
				assertThatExceptionOfType(RateLimitStoreUnavailableException.class)
					.isThrownBy(() -> limiter.tryAcquire("10.0.0.5"));
			});
	}

	@Test
	void withoutMeterRegistryErrorsShouldStillFallBack() throws Exception {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
					RateLimitAutoConfiguration.class, DataRedisAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis", "spring.data.redis.port=" + deadPort(),
					"zeroclaw.resilience.rate-limit.redis.on-failure=allow")
			.run((context) -> assertThat(
					context.getBean(RateLimiterFactory.class).create(POLICY, 100).tryAcquire("10.0.0.6").allowed())
				.isTrue());
	}

	private static int deadPort() throws Exception {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
