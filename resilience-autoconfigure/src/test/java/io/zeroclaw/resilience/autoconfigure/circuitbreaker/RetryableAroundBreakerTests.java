package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerListener;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.resilience.annotation.Retryable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Spring Framework's {@code @Retryable} around a guarded bean, as the README describes it: each attempt is one call
 * through the breaker, and an open breaker's refusal is retried unless the annotation excludes it.
 */
class RetryableAroundBreakerTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(App.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=10");

	@Test
	void eachRetryShouldBeOneCallThroughTheBreaker() {
		this.contextRunner.run((context) -> {
			RetriedProvider provider = context.getBean(RetriedProvider.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("retriedProvider")
				.orElseThrow();
			StringBuilder seen = new StringBuilder();
			breaker.addListener(new CircuitBreakerListener() {
				@Override
				public void onFailure(CircuitBreaker source, Throwable failure) {
					seen.append("failure ");
				}

				@Override
				public void onSuccess(CircuitBreaker source) {
					seen.append("success ");
				}

				@Override
				public void onIgnored(CircuitBreaker source, Throwable cause) {
					seen.append("ignored(" + cause + ") ");
				}
			});
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> provider.chatWithSystem(null, "hi", "m", 0));
			assertThat(breaker.consecutiveFailures()).isEqualTo(3);
			assertThat(seen.toString()).isEqualTo("failure failure failure ");
		});
	}

	@Test
	void refusalShouldBeRetriedUnlessExcluded() {
		this.contextRunner.run((context) -> {
			RetriedProvider provider = context.getBean(RetriedProvider.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("retriedProvider")
				.orElseThrow();
			AtomicInteger rejected = new AtomicInteger();
			breaker.addListener(new CircuitBreakerListener() {
				@Override
				public void onRejected(CircuitBreaker source, CircuitOpenException refusal) {
					rejected.incrementAndGet();
				}
			});
			breaker.transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> provider.chatWithSystem(null, "hi", "m", 0));
			assertThat(rejected).hasValue(3);
			rejected.set(0);
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(provider::excluding);
			assertThat(rejected).hasValue(1);
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableResilientMethods
	static class App {

		@Bean
		RetriedProvider retriedProvider() {
			return new RetriedProvider();
		}

	}

	static class RetriedProvider implements Provider {

		@Override
		@Retryable(maxRetries = 2, delay = 0)
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			throw new IllegalStateException("down");
		}

		@Retryable(maxRetries = 2, delay = 0, excludes = { CircuitOpenException.class, LoadShedException.class })
		public String excluding() {
			throw new IllegalStateException("down");
		}

	}

}
