package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A start-up that fails after the Redis store began connecting in the background (a bean that throws: the everyday
 * failed DevTools restart), against a Redis address that accepts connections and never answers. The context's
 * lifecycle never started, so the connector's lifecycle is never stopped: nothing interrupts the attempt, which holds
 * the connection factory's lock, and the factory's destruction waits for it. The failed start must be reported as
 * promptly as on the memory store, and leave no connecting thread behind.
 */
class RedisFailedStartWhileConnectingTests {

	/** The silent server of the running test, which the failing bean waits on. */
	private static volatile Silent silent;

	private ApplicationContextRunner runner(String store, int port) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
					RateLimitAutoConfiguration.class, DataRedisAutoConfiguration.class))
			.withUserConfiguration(FailingBeanConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=" + store, "spring.data.redis.host=127.0.0.1",
					"spring.data.redis.port=" + port);
	}

	@Test
	void failedStartShouldBeReportedPromptlyAndLeaveNoConnectingThread() throws Exception {
		try (Silent server = new Silent(true)) {
			silent = server;
			long start = System.nanoTime();
			runner("redis", server.port()).run((context) -> assertThat(context).hasFailed());
			Duration failedAfter = Duration.ofNanos(System.nanoTime() - start);
			// Lettuce's handshake would hold the factory's destruction for its whole timeout (a minute)
			assertThat(failedAfter).as("time to report the failed start").isLessThan(Duration.ofSeconds(20));
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(connectingThreads())
				.as("zeroclaw-redis-connect threads left running").isZero());
		}
		finally {
			silent = null;
		}
	}

	/** The control: the same failing start on the memory store. */
	@Test
	void failedStartOnTheMemoryStoreIsReportedPromptly() throws Exception {
		try (Silent server = new Silent(false)) {
			silent = server;
			long start = System.nanoTime();
			runner("memory", server.port()).run((context) -> assertThat(context).hasFailed());
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
		}
		finally {
			silent = null;
		}
	}

	private static long connectingThreads() {
		return Thread.getAllStackTraces().keySet()
			.stream()
			.filter((thread) -> thread.getName().equals("zeroclaw-redis-connect") && thread.isAlive())
			.count();
	}

	@Configuration(proxyBeanMethods = false)
	static class FailingBeanConfiguration {

		/**
		 * Made after the store's factory, which starts connecting; once the store's connection is in (and its
		 * handshake unanswered), fails the start.
		 */
		@Bean
		Object brokenBean(RateLimiterFactory factory) {
			Silent server = silent;
			if (server != null && server.awaitsConnection) {
				await().atMost(Duration.ofSeconds(10)).until(server::hasAccepted);
			}
			throw new IllegalStateException("a bean of the application fails to start");
		}

	}

	/** Accepts connections on a free port and never answers. */
	static final class Silent implements AutoCloseable {

		private final ServerSocket socket;

		private final List<Socket> accepted = new CopyOnWriteArrayList<>();

		private final boolean awaitsConnection;

		Silent(boolean awaitsConnection) throws IOException {
			this.awaitsConnection = awaitsConnection;
			this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			Thread acceptor = new Thread(() -> {
				while (!this.socket.isClosed()) {
					try {
						this.accepted.add(this.socket.accept());
					}
					catch (IOException ex) {
						return;
					}
				}
			}, "silent-acceptor");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		int port() {
			return this.socket.getLocalPort();
		}

		boolean hasAccepted() {
			return !this.accepted.isEmpty();
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
			for (Socket connection : this.accepted) {
				connection.close();
			}
		}

	}

}
