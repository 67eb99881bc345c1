package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.ratelimit.redis.SilentServer;
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

	/** The silent server of the running test, which the failing bean waits on; null for the memory store. */
	private static volatile SilentServer silent;

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
		try (SilentServer server = new SilentServer()) {
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
		try (SilentServer server = new SilentServer()) {
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
			SilentServer server = silent;
			if (server != null) {
				await().atMost(Duration.ofSeconds(10)).until(server::hasAccepted);
			}
			throw new IllegalStateException("a bean of the application fails to start");
		}

	}

}
