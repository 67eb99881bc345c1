package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import io.lettuce.core.resource.DefaultEventLoopGroupProvider;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.ratelimit.redis.RedisServer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application stopped while Netty is still setting up its first Redis connection's channel (in a cold JVM this
 * takes a while: the loop's thread starts, classes load, the DNS resolver is created) must not leave that connection
 * open. The event loop is held here where it creates the resolver, after registering the channel and before
 * connecting it, until the connection factory shuts its client down (or the test lets it go): the same order of
 * events, every time, as when the loop is slow.
 */
class RedisConnectionOpeningAtStopTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final QueuedRegistrations eventLoops = new QueuedRegistrations();

	private final HeldResolvers resolvers = new HeldResolvers();

	private final ApplicationContextRunner redisRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
		.withBean("heldResolvers", ClientResourcesBuilderCustomizer.class,
				() -> (builder) -> builder.eventLoopGroupProvider(this.eventLoops).addressResolverGroup(this.resolvers))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port());

	private final ApplicationContextRunner starterRunner = this.redisRunner
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.store=redis", "zeroclaw.resilience.rate-limit.redis.timeout=1s");

	@AfterEach
	void closeWhatWasLeft() {
		// a connection left open by one test is not counted against the next
		redis.command("CLIENT", "KILL", "TYPE", "normal");
		this.eventLoops.shutdown(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
	}

	@Test
	void applicationStoppedWhileNettySetsUpItsFirstConnectionShouldLeaveNoConnectionBehind() {
		this.starterRunner.run((context) -> {
			// the connector's thread holds the factory's lock and waits in Lettuce, while the event loop, which has
			// registered the channel, creates the resolver it connects with
			awaitWaitingInLettuce("zeroclaw-redis-connect");
			context.stop();
			assertThat(this.resolvers.releasedByShutdown()).as("the event loops were let go by the client's shutdown")
				.isTrue();
		});
		assertNoClientLeft();
	}

	/**
	 * The control: Spring Data Redis alone, stopped while its first command opens the shared connection. The factory's
	 * stop waits for its lock, which the command's thread holds until the connection is open, so it shuts its client
	 * down only once the connection can be closed with it.
	 */
	@Test
	void springDataRedisAloneStoppedWhileItsFirstCommandConnectsShouldLeaveNoConnectionBehind() {
		this.redisRunner.run((context) -> {
			RedisConnectionFactory factory = context.getBean(RedisConnectionFactory.class);
			CompletableFuture<Void> command = runInThread("first-command", () -> {
				try (RedisConnection connection = factory.getConnection()) {
					connection.ping();
				}
			});
			awaitWaitingInLettuce("first-command");
			this.resolvers.releaseWhen(() -> isWaitingForTheFactoryToStop("stopper"));
			CompletableFuture<Void> stop = runInThread("stopper", context::stop);
			stop.get(20, TimeUnit.SECONDS);
			command.handle((ignored, failure) -> null).get(20, TimeUnit.SECONDS);
		});
		assertNoClientLeft();
	}

	/** Once the application is closed, Redis sees each of its connections go. */
	private static void assertNoClientLeft() {
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(redis.otherClients()).as(redis.command("CLIENT", "LIST")).isZero());
	}

	private void awaitWaitingInLettuce(String threadName) {
		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.resolvers.isHolding() && isWaitingInLettuce(threadName));
	}

	private static boolean isWaitingInLettuce() {
		return Thread.getAllStackTraces().keySet().stream().anyMatch((thread) -> isWaitingInLettuce(thread.getName()));
	}

	private static boolean isWaitingInLettuce(String threadName) {
		return isWaitingIn(threadName, "AbstractRedisClient.getConnection");
	}

	private static boolean isWaitingForTheFactoryToStop(String threadName) {
		return isWaitingIn(threadName, "LettuceConnectionFactory.stop");
	}

	private static boolean isWaitingIn(String threadName, String method) {
		return Thread.getAllStackTraces()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().getName().equals(threadName))
			.anyMatch((entry) -> entry.getKey().getState() == Thread.State.WAITING && Arrays.stream(entry.getValue())
				.anyMatch((frame) -> (frame.getClassName() + "." + frame.getMethodName()).endsWith(method)));
	}

	private static CompletableFuture<Void> runInThread(String name, ThrowingRunnable task) {
		CompletableFuture<Void> done = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			try {
				task.run();
				done.complete(null);
			}
			catch (Throwable ex) {
				done.completeExceptionally(ex);
			}
		}, name);
		thread.setDaemon(true);
		thread.start();
		return done;
	}

	@FunctionalInterface
	private interface ThrowingRunnable {

		void run() throws Exception;

	}

	/**
	 * Lettuce's event loops, where the first client to take them registers its first channel only once a thread waits
	 * for that connection in Lettuce: then the rest of the connection's set-up runs on the loop (as when the loop is
	 * slow to start), never on the connecting thread.
	 */
	private static final class QueuedRegistrations implements EventLoopGroupProvider {

		private final DefaultEventLoopGroupProvider delegate = new DefaultEventLoopGroupProvider(1);

		private final AtomicBoolean queued = new AtomicBoolean();

		@Override
		public <T extends EventLoopGroup> T allocate(Class<T> type) {
			T group = this.delegate.allocate(type);
			if (this.queued.compareAndSet(false, true)) {
				for (EventExecutor loop : group) {
					loop.execute(() -> await().atMost(Duration.ofSeconds(20))
						.pollInterval(Duration.ofMillis(5))
						.until(RedisConnectionOpeningAtStopTests::isWaitingInLettuce));
				}
			}
			return group;
		}

		@Override
		public int threadPoolSize() {
			return this.delegate.threadPoolSize();
		}

		@Override
		public Future<Boolean> release(EventExecutorGroup eventLoopGroup, long quietPeriod, long timeout,
				TimeUnit unit) {
			return this.delegate.release(eventLoopGroup, quietPeriod, timeout, unit);
		}

		@Override
		public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit timeUnit) {
			return this.delegate.shutdown(quietPeriod, timeout, timeUnit);
		}

	}

	/**
	 * Resolves addresses as Netty does without a DNS resolver, but holds the event loop where the first connection
	 * creates its resolver (Netty's own, the DNS resolver, opens a socket and reads the system's configuration there:
	 * in a cold JVM it takes a while). The loop goes on when it is shut down, or when the test's condition holds.
	 */
	private static final class HeldResolvers extends AddressResolverGroup<InetSocketAddress> {

		private final AtomicBoolean held = new AtomicBoolean();

		private final AtomicBoolean timedOut = new AtomicBoolean();

		private volatile BooleanSupplier release = () -> false;

		private volatile boolean releasedByShutdown;

		@Override
		protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
			if (this.held.compareAndSet(false, true)) {
				try {
					await().atMost(Duration.ofSeconds(20))
						.pollInterval(Duration.ofMillis(5))
						.until(() -> executor.isShuttingDown() || this.release.getAsBoolean());
					this.releasedByShutdown = executor.isShuttingDown();
				}
				catch (ConditionTimeoutException ex) {
					this.timedOut.set(true);
				}
			}
			return new DefaultNameResolver(executor).asAddressResolver();
		}

		boolean isHolding() {
			return this.held.get() && !this.releasedByShutdown && !this.timedOut.get();
		}

		void releaseWhen(BooleanSupplier condition) {
			this.release = condition;
		}

		boolean releasedByShutdown() {
			return this.releasedByShutdown && !this.timedOut.get();
		}

	}

}
