package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Circuit breakers on a test clock, for the tests of a half-open breaker: a context runner with the breakers on and a
 * recovery timeout of {@link #RECOVERY}, every breaker made on the clock (the context's {@code AtomicLong} bean), and
 * a breaker opened and left for its recovery timeout, so that the next call probes.
 */
final class ClockedBreakers {

	static final Duration RECOVERY = Duration.ofSeconds(30);

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	/**
	 * @param configurations the test's own configurations
	 * @return a runner of the breakers' auto-configuration on this clock
	 */
	ApplicationContextRunner runner(Class<?>... configurations) {
		return new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withUserConfiguration(configurations)
			.withUserConfiguration(ClockedFactory.class)
			.withBean(AtomicLong.class, () -> this.clock)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.recovery-timeout=" + RECOVERY.toSeconds() + "s");
	}

	/**
	 * Opens the named breaker and lets its recovery timeout pass on the clock: the next call probes.
	 * @param context the running context
	 * @param name the breaker's name (its bean's)
	 * @return the breaker
	 */
	CircuitBreaker halfOpen(ApplicationContext context, String name) {
		CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find(name).orElseThrow();
		breaker.transitionToOpen();
		this.clock.addAndGet(RECOVERY.toNanos());
		return breaker;
	}

	@Configuration(proxyBeanMethods = false)
	static class ClockedFactory {

		@Bean
		CircuitBreakerFactory circuitBreakerFactory(ResilienceProperties properties, AtomicLong clock) {
			return new PropertiesCircuitBreakerFactory(properties.getCircuitBreaker(), getClass().getClassLoader(),
					clock::get);
		}

	}

}
