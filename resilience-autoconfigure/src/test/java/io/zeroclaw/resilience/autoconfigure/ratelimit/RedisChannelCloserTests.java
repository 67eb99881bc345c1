package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.lettuce.core.resource.Transports;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.ratelimit.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter's {@code NettyCustomizer}, which makes each Lettuce channel's close a shutdown hook of its event loop:
 * what it holds, and how it meets an application's own customizer.
 */
class RedisChannelCloserTests {

	/** An application's own customizer, set by a customizer of the application's without an order. */
	private static final NettyCustomizer OWN_CUSTOMIZER = new NettyCustomizer() {

		@Override
		public void afterChannelInitialized(Channel channel) {
			channel.config().setAutoRead(true);
		}

	};

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				DataRedisAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.store=redis", "zeroclaw.resilience.rate-limit.redis.timeout=1s",
				"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port());

	@Test
	void channelsThatClosedShouldNotStayShutdownHooksOfTheirEventLoop() {
		this.contextRunner.run((context) -> {
			ClientResources resources = context.getBean(ClientResources.class);
			RedisClient client = RedisClient.create(resources, redis.uri());
			EventLoopGroup loops = resources.eventLoopGroupProvider().allocate(Transports.eventLoopGroupClass());
			try {
				client.connect().close();
				int before = shutdownHooks(loops);
				// each connection (and each of Lettuce's attempts to reconnect one, every 2 s in an outage) is a
				// channel: one that closed must not be held by its loop until the loop shuts down
				for (int i = 0; i < 20; i++) {
					client.connect().close();
				}
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(shutdownHooks(loops))
					.as("shutdown hooks of the event loops").isEqualTo(before));
			}
			finally {
				client.shutdown();
				resources.eventLoopGroupProvider().release(loops, 0, 2, TimeUnit.SECONDS);
			}
		});
	}

	@Test
	void openChannelShouldBeAShutdownHookOfItsEventLoop() {
		this.contextRunner.run((context) -> {
			ClientResources resources = context.getBean(ClientResources.class);
			RedisClient client = RedisClient.create(resources, redis.uri());
			EventLoopGroup loops = resources.eventLoopGroupProvider().allocate(Transports.eventLoopGroupClass());
			try {
				int before = shutdownHooks(loops);
				StatefulRedisConnection<String, String> connection = client.connect();
				try {
					// closed by its loop's shutdown even if its set-up was still running when the loop last looked
					assertThat(shutdownHooks(loops)).as("shutdown hooks of the event loops").isGreaterThan(before);
				}
				finally {
					connection.close();
				}
			}
			finally {
				client.shutdown();
				resources.eventLoopGroupProvider().release(loops, 0, 2, TimeUnit.SECONDS);
			}
		});
	}

	@Test
	void applicationsOwnNettyCustomizerShouldReplaceTheStartersAsTheReadmeSays() {
		this.contextRunner
			.withBean(ClientResourcesBuilderCustomizer.class,
					() -> (builder) -> builder.nettyCustomizer(OWN_CUSTOMIZER))
			.run((context) -> assertThat(context.getBean(ClientResources.class).nettyCustomizer())
				.isSameAs(OWN_CUSTOMIZER));
	}

	/** The hooks each loop of the group holds, counted on the loop. */
	private static int shutdownHooks(EventLoopGroup loops) throws Exception {
		Field field = SingleThreadEventExecutor.class.getDeclaredField("shutdownHooks");
		field.setAccessible(true);
		int hooks = 0;
		for (EventExecutor loop : loops) {
			hooks += loop.submit(() -> ((Set<?>) field.get(loop)).size()).get(5, TimeUnit.SECONDS);
		}
		return hooks;
	}

}
