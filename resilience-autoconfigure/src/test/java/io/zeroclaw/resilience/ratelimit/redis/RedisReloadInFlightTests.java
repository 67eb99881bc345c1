package io.zeroclaw.resilience.ratelimit.redis;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code SCRIPT LOAD} sent after a {@code NOSCRIPT}: one at a time (decisions that meet the lost script while
 * one is on its way send none), and another once it has landed (Redis lost the script again).
 */
class RedisReloadInFlightTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final String prefix = "inflight:" + UUID.randomUUID() + ":";

	private RedisClient client;

	@AfterEach
	void close() {
		if (this.client != null) {
			this.client.shutdown();
		}
	}

	@Test
	void decisionsThatMeetTheLostScriptWhileItsLoadIsOnItsWayShouldSendNoOtherLoadButOneAfterItLanded()
			throws Exception {
		this.client = RedisClient.create(redis.uri());
		AtomicInteger loads = new AtomicInteger();
		AtomicReference<CompletableFuture<Void>> held = new AtomicReference<>(new CompletableFuture<>());
		LettuceConnector connector = heldLoads(loads, held);
		try {
			RedisRateLimiter limiter = new RedisRateLimiter(new RateLimitPolicy("f", 100, Duration.ofMinutes(1), 0),
					connector, new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(5), OnFailure.DENY), null,
					null);
			for (int i = 0; i < 3; i++) {
				assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("+OK");
				assertThat(limiter.tryAcquire("k" + i, 1).allowed()).as("decided with EVAL").isTrue();
			}
			assertThat(loads).as("SCRIPT LOADs sent while the first is on its way").hasValue(1);
			held.getAndSet(new CompletableFuture<>()).complete(null);
			await().atMost(Duration.ofSeconds(5))
				.until(() -> redis.command("SCRIPT", "EXISTS", RedisRateLimiter.SCRIPT_SHA).equals(":1"));
			// the load's end reaches the limiter a moment after Redis has the script: lose it until a decision reloads
			await().atMost(Duration.ofSeconds(5)).until(() -> {
				assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("+OK");
				assertThat(limiter.tryAcquire("after", 1).allowed()).isTrue();
				return loads.get() == 2;
			});
			assertThat(loads).as("SCRIPT LOADs once the first landed and the script was lost again").hasValue(2);
		}
		finally {
			held.get().complete(null);
			connector.stop();
		}
	}

	/** A connector whose {@code SCRIPT LOAD}s are counted and sent only once the held future completes. */
	@SuppressWarnings("unchecked")
	private LettuceConnector heldLoads(AtomicInteger loads, AtomicReference<CompletableFuture<Void>> held) {
		RedisAsyncCommands<byte[], byte[]> commands = this.client.connect(ByteArrayCodec.INSTANCE).async();
		RedisAsyncCommands<byte[], byte[]> holding = (RedisAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(
				getClass().getClassLoader(), new Class<?>[] { RedisAsyncCommands.class }, (proxy, method, args) -> {
					if (!method.getName().equals("scriptLoad")) {
						return invoke(commands, method, args);
					}
					loads.incrementAndGet();
					CompletableFuture<String> loaded = held.get()
						.thenCompose((ignored) -> ((RedisFuture<String>) invoke(commands, method, args))
							.toCompletableFuture());
					return redisFuture(loaded);
				});
		return new LettuceConnector(() -> holding);
	}

	private static RedisFuture<?> redisFuture(CompletableFuture<?> future) {
		return (RedisFuture<?>) Proxy.newProxyInstance(RedisReloadInFlightTests.class.getClassLoader(),
				new Class<?>[] { RedisFuture.class }, (proxy, method, args) -> {
					Class<?> owner = method.getDeclaringClass();
					if (owner == CompletionStage.class || owner == Future.class || owner == Object.class) {
						return invoke(future, method, args);
					}
					throw new UnsupportedOperationException(method.getName());
				});
	}

	private static Object invoke(Object target, Method method, Object[] args) {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw (ex.getCause() instanceof RuntimeException runtime) ? runtime : new IllegalStateException(ex);
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
