package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.redis.SilentServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Spring Data Redis on the classpath, {@code store: redis}, and a Redis address where something accepts connections
 * but never answers (a TCP proxy or load balancer whose Redis is down, a port that is not Redis): the application must
 * start, decide by {@code on-failure}, and stop as promptly as it would without the starter.
 */
class RedisSilentRedisShutdownTests {

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("webhook", 5, Duration.ofMinutes(1), 0);

	private ApplicationContextRunner runner(int port) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
					RateLimitAutoConfiguration.class, DataRedisAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis",
					"zeroclaw.resilience.rate-limit.redis.on-failure=deny", "spring.data.redis.host=127.0.0.1",
					"spring.data.redis.port=" + port);
	}

	@Test
	void applicationShouldStopPromptlyWhileRedisDoesNotAnswer() throws Exception {
		try (SilentServer silent = new SilentServer()) {
			AtomicLong closing = new AtomicLong();
			runner(silent.port()).run((context) -> {
				assertThat(context).hasNotFailed();
				assertThatExceptionOfType(RateLimitStoreUnavailableException.class).isThrownBy(
						() -> context.getBean(RateLimiterFactory.class).create(POLICY, 100).tryAcquire("10.0.0.1"));
				// the starter's background connection attempt has reached the silent address
				await().atMost(Duration.ofSeconds(10)).until(silent::hasAccepted);
				closing.set(System.nanoTime());
			});
			Duration close = Duration.ofNanos(System.nanoTime() - closing.get());
			// without store=redis, nothing would be connecting, and the context closes at once
			assertThat(close).as("time to close the application context").isLessThan(Duration.ofSeconds(5));
		}
	}

	@Test
	void applicationShouldPausePromptlyWhileRedisDoesNotAnswer() throws Exception {
		try (SilentServer silent = new SilentServer()) {
			runner(silent.port()).run((context) -> {
				// the starter's background connection attempt has reached the silent address, and waits
				await().atMost(Duration.ofSeconds(10)).until(silent::hasAccepted);
				long pausing = System.nanoTime();
				context.pause(); // Spring's test framework pausing a cached context it switches away from
				assertThat(Duration.ofNanos(System.nanoTime() - pausing)).as("time to pause the application context")
					.isLessThan(Duration.ofSeconds(5));
			});
		}
	}

	/** The control: the same application on the memory store closes at once, whatever the Redis address holds. */
	@Test
	void applicationOnTheMemoryStoreShouldStopPromptlyWhileRedisDoesNotAnswer() throws Exception {
		try (SilentServer silent = new SilentServer()) {
			AtomicLong closing = new AtomicLong();
			runner(silent.port()).withPropertyValues("zeroclaw.resilience.rate-limit.store=memory").run((context) -> {
				assertThat(context).hasNotFailed();
				closing.set(System.nanoTime());
			});
			assertThat(Duration.ofNanos(System.nanoTime() - closing.get())).isLessThan(Duration.ofSeconds(5));
		}
	}

}
