package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.zeroclaw.resilience.autoconfigure.InvalidResiliencePropertyException;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.LettuceConnector;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * The Redis store of rate limits, when {@code zeroclaw.resilience.rate-limit.store=redis}: a {@link RateLimiterFactory}
 * of {@link RedisRateLimiter}s on the application's {@link RedisConnectionFactory} (Spring Boot's Lettuce set-up,
 * {@code spring.data.redis.*}), each with an in-memory {@link LocalRateLimiter} of the same policy to fall back on.
 * Imported by {@link RateLimitAutoConfiguration} ahead of the in-memory factory, which then backs off.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ RedisConnectionFactory.class, LettuceConnectionFactory.class, RedisClusterAsyncCommands.class })
@ConditionalOnProperty(prefix = "zeroclaw.resilience.rate-limit", name = "store", havingValue = "redis")
class RedisRateLimiterConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimiterConfiguration.class);

	/** Spring Boot's Redis auto-configuration, in its own module (spring-boot-data-redis) since Spring Boot 4. */
	static final String DATA_REDIS_AUTO_CONFIGURATION =
			"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration";

	/**
	 * The store's connector; stopped when destroyed too, for a start-up that fails after it began connecting: the
	 * lifecycle below never started then, so it is never stopped, and an attempt on a Redis that does not answer would
	 * hold the connection factory's destruction (made before it, destroyed after it) for its whole handshake.
	 */
	@Bean(destroyMethod = "stop")
	@ConditionalOnMissingBean(RateLimiterFactory.class)
	LettuceConnector zeroclawRedisConnector(ObjectProvider<RedisConnectionFactory> connectionFactories,
			ConfigurableListableBeanFactory beanFactory) {
		RedisConnectionFactory connectionFactory = connectionFactories.getIfAvailable();
		if (connectionFactory == null) {
			if (!ClassUtils.isPresent(DATA_REDIS_AUTO_CONFIGURATION, beanFactory.getBeanClassLoader())) {
				throw new InvalidResiliencePropertyException("zeroclaw.resilience.rate-limit.store", "redis",
						"the Redis store uses the application's RedisConnectionFactory, and there is none: Spring Data "
								+ "Redis is on the classpath, but not Spring Boot's Redis auto-configuration, which "
								+ "Spring Boot 4 keeps in its own module, spring-boot-data-redis.",
						"depend on org.springframework.boot:spring-boot-starter-data-redis (rather than on "
								+ "spring-data-redis alone), define a LettuceConnectionFactory bean, or set it to "
								+ "'memory'.");
			}
			throw new InvalidResiliencePropertyException("zeroclaw.resilience.rate-limit.store", "redis",
					"the Redis store uses the application's RedisConnectionFactory, and there is none: Spring Boot's "
							+ "Redis auto-configuration is excluded, or backed off.",
					"let Spring Boot configure Redis (spring.data.redis.*), define a LettuceConnectionFactory "
							+ "bean, or set it to 'memory'.");
		}
		if (!(connectionFactory instanceof LettuceConnectionFactory)) {
			throw new InvalidResiliencePropertyException("zeroclaw.resilience.rate-limit.store", "redis",
					"the Redis store needs Lettuce, Spring Boot's default Redis client, but the application's "
							+ "RedisConnectionFactory is a " + connectionFactory.getClass().getName() + ".",
					"use Lettuce (spring.data.redis.client-type=lettuce, with io.lettuce:lettuce-core on the "
							+ "classpath), or set it to 'memory'.");
		}
		warnIfClusterTopologyNeverRefreshes((LettuceConnectionFactory) connectionFactory);
		warnIfSentinelFailOverIsNotFollowed((LettuceConnectionFactory) connectionFactory);
		return new LettuceConnector(() -> nativeCommands(connectionFactory));
	}

	/**
	 * Stops the connector from opening connections once the application shuts down or pauses (Spring's test framework
	 * pausing a cached context), in a phase after the web server has stopped taking requests and before the connection
	 * factory stops (phase 0): an attempt still in progress would otherwise hold the factory's stop until its handshake
	 * timed out. Started again, the connector is prepared again, as at start-up. Only where this context defines the
	 * connector (the same condition, declared before any factory of this class): a child context under a parent that
	 * has the store would otherwise stop the parent's connector when it closes.
	 */
	@Bean
	@ConditionalOnMissingBean(RateLimiterFactory.class)
	SmartLifecycle zeroclawRedisConnectorLifecycle(ObjectProvider<LettuceConnector> connector) {
		return new SmartLifecycle() {

			private volatile boolean running;

			@Override
			public void start() {
				connector.ifAvailable((started) -> {
					if (started.start()) {
						// after a stop or a pause, which ended the retries and closed the factory's connection
						RedisRateLimiter.prepare(started);
					}
				});
				this.running = true;
			}

			@Override
			public void stop() {
				this.running = false;
				connector.ifAvailable(LettuceConnector::stop);
			}

			@Override
			public boolean isRunning() {
				return this.running;
			}

			@Override
			public int getPhase() {
				return SmartLifecycle.DEFAULT_PHASE - 8192;
			}

		};
	}

	@Bean
	@ConditionalOnMissingBean(RateLimiterFactory.class)
	RateLimiterFactory redisRateLimiterFactory(LettuceConnector connector, ResilienceProperties properties,
			ObjectProvider<RedisRateLimitErrorListenerFactory> errorListeners) {
		ResilienceProperties.Redis redis = properties.getRateLimit().getRedis();
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(redis.getKeyPrefix(), redis.getTimeout(),
				OnFailure.valueOf(redis.getOnFailure().name()));
		// Open the connection and load the script now, in the background: opening takes longer than a decision may
		// wait (over a second in a cold JVM), so left to the first requests, or even to the start of the lifecycle,
		// it would fail them over to the on-failure policy on every start.
		RedisRateLimiter.prepare(connector);
		RedisRateLimitErrorListenerFactory errors = errorListeners.getIfAvailable(() -> (policy) -> null);
		// Under 'deny' the filter counts the RateLimitStoreUnavailableException as an error itself; under 'local'
		// and 'allow' it sees an ordinary decision, so the limiter's listener is what counts Redis's failure.
		boolean countHere = config.onFailure() != OnFailure.DENY;
		return (policy, maxKeys) -> new RedisRateLimiter(policy, connector, config,
				(config.onFailure() == OnFailure.LOCAL) ? new LocalRateLimiter(policy, maxKeys) : null,
				countHere ? errors.create(policy) : null);
	}

	/**
	 * On Redis Cluster, Lettuce learns of a fail-over only by refreshing its view of the cluster, which Spring Boot
	 * leaves off by default. Until then the decisions for every client whose slots the failed master held go to a
	 * node that no longer answers: each waits out the timeout and falls back to {@code on-failure}, while decisions
	 * on the healthy masters keep the limiter from resting. Say so at start-up rather than during the fail-over.
	 */
	private static void warnIfClusterTopologyNeverRefreshes(LettuceConnectionFactory connectionFactory) {
		if (connectionFactory.getClusterConfiguration() == null) {
			return;
		}
		ClusterTopologyRefreshOptions refresh = connectionFactory.getClientConfiguration()
			.getClientOptions()
			.filter(ClusterClientOptions.class::isInstance)
			.map((options) -> ((ClusterClientOptions) options).getTopologyRefreshOptions())
			.orElse(null);
		if (refresh == null || (!refresh.isPeriodicRefreshEnabled() && refresh.getAdaptiveRefreshTriggers().isEmpty())) {
			logger.warn("The Redis rate-limit store is on a Redis Cluster whose topology Lettuce never refreshes: after "
					+ "a fail-over, the clients whose slots the failed master held are decided by on-failure until "
					+ "it returns, each after waiting out zeroclaw.resilience.rate-limit.redis.timeout. Set "
					+ "spring.data.redis.lettuce.cluster.refresh.adaptive=true and "
					+ "spring.data.redis.lettuce.cluster.refresh.period=30s.");
		}
		else if (!refresh.isPeriodicRefreshEnabled()) {
			logger.warn("The Redis rate-limit store is on a Redis Cluster whose topology Lettuce refreshes only when a "
					+ "connection reports trouble: the fail-over of a master this instance had not yet connected to "
					+ "(start-up could not reach it, or no decision has gone there yet) reports none, and the clients "
					+ "whose slots it held stay on on-failure until that master returns. Set "
					+ "spring.data.redis.lettuce.cluster.refresh.period=30s as well.");
		}
	}

	/**
	 * Behind Sentinel, a plain Lettuce connection asks Sentinel for the master only when it reconnects; a master that
	 * stops answering without closing its connections (a frozen host, a partition) keeps every decision on
	 * {@code on-failure} after Sentinel has promoted a replica. With a {@code read-from} setting Spring Boot connects
	 * through Lettuce's master/replica support, which follows Sentinel's announcements; {@code upstream} keeps every
	 * command on the master. Say so at start-up rather than during the fail-over.
	 */
	private static void warnIfSentinelFailOverIsNotFollowed(LettuceConnectionFactory connectionFactory) {
		if (connectionFactory.getSentinelConfiguration() != null
				&& connectionFactory.getClientConfiguration().getReadFrom().isEmpty()) {
			logger.warn("The Redis rate-limit store is behind Sentinel on a connection that asks Sentinel for the "
					+ "master only when it reconnects: a master that stops answering without closing the connection "
					+ "(a frozen host, a network partition) keeps every decision on on-failure after Sentinel has "
					+ "promoted a replica, until the old master answers again. Set "
					+ "spring.data.redis.lettuce.read-from=upstream to follow Sentinel's fail-overs.");
		}
	}

	/**
	 * The asynchronous commands of the factory's connection, held for the application's lifetime: with Boot's
	 * default shared native connection this is that connection, so the limiter adds none of its own.
	 */
	@SuppressWarnings("unchecked")
	private static RedisClusterAsyncCommands<byte[], byte[]> nativeCommands(RedisConnectionFactory factory) {
		return (RedisClusterAsyncCommands<byte[], byte[]>) factory.getConnection().getNativeConnection();
	}

	/**
	 * Tunes the {@code ClientResources} Spring Boot builds for Lettuce; an application's own {@code ClientResources}
	 * bean is left alone, and so is its Lettuce client when its own {@code RateLimiterFactory} replaces the Redis
	 * store (the starter then uses no Redis). A member class's condition is evaluated before the enclosing class's
	 * beans are registered, so it sees the application's factory only, never this configuration's own.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ClientResourcesBuilderCustomizer.class)
	@ConditionalOnMissingBean(RateLimiterFactory.class)
	static class LettuceResourcesConfiguration {

		/**
		 * Caps Lettuce's reconnect back-off at the limiter's retry interval. Left at Lettuce's default, the wait
		 * between attempts to reconnect a dropped connection doubles up to 30 s, and the limiter's probes, which only
		 * queue their command on the disconnected connection, cannot hasten it: after an outage the limiter would stay
		 * on its on-failure policy for up to half a minute after Redis is back. Ordered first, so that an
		 * application's own customizer of the delay has the last word.
		 */
		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		ClientResourcesBuilderCustomizer zeroclawRedisReconnectDelayCustomizer() {
			return (builder) -> builder.reconnectDelay(Delay.exponential(Duration.ofMillis(1),
					RedisRateLimiterConfig.DEFAULT_RETRY_INTERVAL, 2, TimeUnit.MILLISECONDS));
		}

		/**
		 * Closes a Lettuce channel still open when its event loop shuts down. Netty closes the channels of a loop
		 * that shuts down only if they were registered when it last looked at its I/O; one whose set-up was still
		 * running on the loop then (registration, resolver, connect: slow in a cold JVM) stays connected to Redis
		 * until the JVM exits. The connector's stop makes this happen: it interrupts the attempt opening the
		 * connection, and the connection factory then shuts its client down while that attempt's channel is being
		 * set up. Ordered first: an application's own {@code NettyCustomizer} replaces this one.
		 */
		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		ClientResourcesBuilderCustomizer zeroclawRedisChannelCloser() {
			return (builder) -> builder.nettyCustomizer(new NettyCustomizer() {

				@Override
				public void afterChannelInitialized(Channel channel) {
					if (channel.eventLoop() instanceof SingleThreadEventExecutor loop) {
						Runnable close = channel::close;
						loop.addShutdownHook(close);
						channel.closeFuture().addListener((closed) -> loop.removeShutdownHook(close));
					}
				}

			});
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static class RedisRateLimiterMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RedisRateLimitErrorListenerFactory redisRateLimitErrorListenerFactory(
				ObjectProvider<MeterRegistry> meterRegistry) {
			return (policy) -> {
				MeterRegistry registry = meterRegistry.getIfAvailable();
				if (registry == null) {
					return null;
				}
				// Looked up at each error, not now: the policies in use have it from their metrics already, and a
				// limiter made for a policy that applies to no request (a default policy without paths) should
				// publish nothing.
				return (cause) -> RateLimitMetrics.counter(registry, policy.name(), "error").increment();
			};
		}

	}

	/**
	 * Gives each policy's Redis limiter the listener told of every decision Redis did not make; counted as
	 * {@code zeroclaw.resilience.ratelimit.requests{outcome=error}} when Micrometer is there.
	 */
	@FunctionalInterface
	interface RedisRateLimitErrorListenerFactory {

		/**
		 * @param policy the limiter's policy
		 * @return its listener, or {@code null} for none
		 */
		java.util.function.@Nullable Consumer<Throwable> create(RateLimitPolicy policy);

	}

}
