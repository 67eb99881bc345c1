package io.zeroclaw.resilience.ratelimit.redis;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The preparation of a connector ({@link RedisRateLimiter#prepare}) racing what closes its connection: a stop and
 * start of the connector while an attempt is in flight, and the connection's owner closing it between its opening and
 * the script's load. The orderings are driven by latches and by the commands themselves, never by waiting.
 */
class RedisPrepareRaceTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private RedisClient client;

	@BeforeEach
	void flushScripts() {
		this.client = RedisClient.create(redis.uri());
		redis.command("SCRIPT", "FLUSH");
	}

	@AfterEach
	void shutdown() {
		this.client.shutdown();
	}

	@Test
	void restartWhileAnAttemptOfTheRunBeforeIsInFlightShouldStillPrepareTheConnector() throws Exception {
		CountDownLatch inFirstAttempt = new CountDownLatch(1);
		CountDownLatch releaseFirstAttempt = new CountDownLatch(1);
		AtomicInteger opened = new AtomicInteger();
		LettuceConnector connector = new LettuceConnector(() -> {
			StatefulRedisConnection<byte[], byte[]> connection = this.client.connect(ByteArrayCodec.INSTANCE);
			if (opened.incrementAndGet() == 1) {
				// held past the stop and the start, as behind the connection factory's lock, deaf to the interrupt
				inFirstAttempt.countDown();
				awaitUninterruptibly(releaseFirstAttempt);
				// the factory's stop closed its shared connection meanwhile
				connection.close();
			}
			return connection.async();
		});
		try {
			CompletableFuture<Void> first = RedisRateLimiter.prepare(connector);
			inFirstAttempt.await();
			connector.stop();
			assertThat(connector.start()).isTrue();
			// the new run's preparation adopts the attempt still in flight
			CompletableFuture<Void> second = RedisRateLimiter.prepare(connector);
			releaseFirstAttempt.countDown();
			assertThat(first).failsWithin(Duration.ofSeconds(10));
			assertThat(second).failsWithin(Duration.ofSeconds(10));
			// the new run tries again in the background (after 1 s), and loads the script
			await().atMost(Duration.ofSeconds(10)).until(RedisPrepareRaceTests::scriptCached);
			assertThat(opened).hasValue(2);
		}
		finally {
			releaseFirstAttempt.countDown();
			connector.stop();
		}
	}

	@Test
	void connectionClosedByItsOwnerBeforeTheScriptsLoadShouldBePreparedAgainInTheBackground() throws Exception {
		AtomicInteger opened = new AtomicInteger();
		LettuceConnector connector = new LettuceConnector(() -> {
			StatefulRedisConnection<byte[], byte[]> connection = this.client.connect(ByteArrayCodec.INSTANCE);
			RedisAsyncCommands<byte[], byte[]> commands = connection.async();
			if (opened.incrementAndGet() > 1) {
				return commands;
			}
			// the connection factory resets its shared connection (resetConnection(), a failed validation) right
			// after handing it out, before the script's load is sent on it
			return closedBeforeTheScriptsLoad(connection, commands);
		});
		try {
			assertThat(RedisRateLimiter.prepare(connector)).failsWithin(Duration.ofSeconds(10));
			// Redis is up and the connector running: preparing again would load the script, as after a failed connect
			await().atMost(Duration.ofSeconds(10)).until(RedisPrepareRaceTests::scriptCached);
		}
		finally {
			connector.stop();
		}
	}

	@SuppressWarnings("unchecked")
	private static RedisAsyncCommands<byte[], byte[]> closedBeforeTheScriptsLoad(
			StatefulRedisConnection<byte[], byte[]> connection, RedisAsyncCommands<byte[], byte[]> commands) {
		return (RedisAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(RedisPrepareRaceTests.class.getClassLoader(),
				new Class<?>[] { RedisAsyncCommands.class }, (proxy, method, args) -> {
					if (method.getName().equals("scriptLoad")) {
						connection.close();
					}
					try {
						return method.invoke(commands, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		boolean interrupted = false;
		while (true) {
			try {
				latch.await();
				break;
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	private static boolean scriptCached() {
		return redis.command("SCRIPT", "EXISTS", RedisRateLimiter.SCRIPT_SHA).equals(":1");
	}

}
