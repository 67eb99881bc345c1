package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.provider.Provider;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisServer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A context that is paused and restarted (what Spring's TestContext framework does to a cached context it switches
 * away from and back to), or stopped and started, must keep deciding in Redis. The connector's lifecycle bean stops the
 * connector for good; Spring Data Redis's connection factory, which is pauseable too, closes its shared connection and
 * opens a new one on restart, which the stopped connector then refuses to connect to.
 */
class RedisStoreAfterContextRestartTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("webhook", 100, Duration.ofMinutes(1), 0);

	private final String prefix = "restart:" + UUID.randomUUID() + ":";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				DataRedisAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.store=redis",
				"zeroclaw.resilience.rate-limit.redis.on-failure=deny",
				"zeroclaw.resilience.rate-limit.redis.key-prefix=" + this.prefix,
				"zeroclaw.resilience.rate-limit.redis.timeout=1s", "spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redis.port());

	@Test
	void pausedAndRestartedContextShouldStillDecideInRedis() {
		assertDecidesInRedisAfter((context) -> {
			context.pause();
			context.restart();
		});
	}

	@Test
	void contextStoppedAndStartedWhileRedisIsDownShouldConnectInTheBackgroundOnceRedisIsBack() {
		// the scripts loaded by this test's context alone are counted, whichever test of the class ran first
		redis.command("CONFIG", "RESETSTAT");
		this.contextRunner.run((context) -> {
			// connected, with the script loaded, as a running application is: killed while the first connection
			// is still opening, Redis would race the connector's stop with that attempt instead
			awaitScriptLoaded();
			redis.stop();
			try {
				context.stop();
				context.start();
			}
			finally {
				redis.start();
			}
			// no decision comes: the connection opens and the script is loaded (the restarted Redis counts it) all
			// the same
			awaitScriptLoaded();
		});
	}

	@Test
	void contextsStartedAndClosedManyTimesShouldLeaveNoThreadNorRedisConnectionBehind() {
		ApplicationContextRunner everything = this.contextRunner
			.withConfiguration(AutoConfigurations.of(CircuitBreakerAutoConfiguration.class,
					BackpressureAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class)
			.withBean("upstream", Provider.class, () -> (system, message, model, temperature) -> "ok")
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.backpressure.enabled=true");
		// the first contexts start what a JVM keeps once started (Netty's and Reactor's shared threads, say)
		for (int i = 0; i < 2; i++) {
			decideInRedisAndCallTheProvider(everything);
		}
		Set<Thread> before = Thread.getAllStackTraces().keySet();
		for (int i = 0; i < 10; i++) {
			decideInRedisAndCallTheProvider(everything);
		}
		await().atMost(Duration.ofSeconds(10)).pollInSameThread().untilAsserted(() -> {
			assertThat(redis.otherClients()).as(redis.command("CLIENT", "LIST")).isZero();
			assertThat(Thread.getAllStackTraces().keySet()).as("threads started since the first contexts")
				.filteredOn((thread) -> !before.contains(thread) && thread.isAlive()
						&& !thread.getName().startsWith("ForkJoinPool.commonPool-"))
				.extracting(Thread::getName)
				.isEmpty();
		});
	}

	private void decideInRedisAndCallTheProvider(ApplicationContextRunner runner) {
		runner.run((context) -> {
			assertThat(context).hasNotFailed();
			RateLimiter limiter = context.getBean(RateLimiterFactory.class).create(POLICY, 100);
			assertThat(decideWithin10s(limiter, "10.0.0.1")).as("a decision in Redis").isNotNull();
			assertThat(context.getBean("upstream", Provider.class).simpleChat("hi", "m", 0.0)).isEqualTo("ok");
		});
	}

	private static void awaitScriptLoaded() {
		await().atMost(Duration.ofSeconds(20))
			.until(() -> redis.command("INFO", "commandstats").contains("cmdstat_script"));
	}

	@Test
	void stoppedAndStartedContextShouldStillDecideInRedis() {
		assertDecidesInRedisAfter((context) -> {
			context.stop();
			context.start();
		});
	}

	private void assertDecidesInRedisAfter(Consumer<AssertableApplicationContext> cycle) {
		this.contextRunner.run((context) -> {
			RateLimiter limiter = context.getBean(RateLimiterFactory.class).create(POLICY, 100);
			assertThat(decideWithin10s(limiter, "10.0.0.1")).as("a decision in Redis before the restart").isNotNull();
			cycle.accept(context);
			assertThat(decideWithin10s(limiter, "10.0.0.2")).as("a decision in Redis within 10 s of the restart")
				.isNotNull();
			assertThat(redis.command("EXISTS", this.prefix + "{webhook:10.0.0.2}")).isEqualTo(":1");
		});
	}

	/**
	 * Waits for a decision Redis made (on-failure is deny, so any other ends in a refusal): Lettuce, the connection
	 * factory and the limiter's own 2 s rest after failures get ten seconds.
	 */
	private static RateLimitDecision decideWithin10s(RateLimiter limiter, String key) {
		AtomicReference<RateLimitDecision> decision = new AtomicReference<>();
		try {
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
				try {
					decision.set(limiter.tryAcquire(key));
					return true;
				}
				catch (RateLimitStoreUnavailableException ex) {
					return false;
				}
			});
		}
		catch (ConditionTimeoutException ex) {
			return null;
		}
		return decision.get();
	}

}
