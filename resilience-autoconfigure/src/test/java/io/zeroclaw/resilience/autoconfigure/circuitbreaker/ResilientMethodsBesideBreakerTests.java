package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.resilience.InvocationRejectedException;
import org.springframework.resilience.annotation.ConcurrencyLimit;
import org.springframework.resilience.annotation.ConcurrencyLimit.ThrottlePolicy;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.resilience.annotation.Retryable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Spring Framework 7's resilience annotations ({@code @Retryable}, {@code @ConcurrencyLimit}) on a guarded bean's
 * methods returning a {@code CompletableFuture} or a {@code Mono}: the breaker, as the last advice, must not change
 * what they see of the call.
 */
class ResilientMethodsBesideBreakerTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(App.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=10");

	@Test
	void retryableFutureMethodWithoutBreakerShouldRetryAThrowOfItsBody() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.resilientProvider.enabled=false")
			.run((context) -> {
				ResilientProvider provider = context.getBean(ResilientProvider.class);
				Calls calls = context.getBean(Calls.class);
				assertThatExceptionOfType(IllegalStateException.class).isThrownBy(provider::askLater);
				assertThat(calls.futureCalls).hasValue(3);
			});
	}

	@Test
	void retryableFutureMethodShouldStillRetryAThrowOfItsBodyThroughTheBreaker() {
		this.contextRunner.run((context) -> {
			ResilientProvider provider = context.getBean(ResilientProvider.class);
			Calls calls = context.getBean(Calls.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("resilientProvider")
				.orElseThrow();
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(provider::askLater);
			assertThat(calls.futureCalls).hasValue(3);
			assertThat(breaker.consecutiveFailures()).isEqualTo(3);
		});
	}

	@Test
	void retryableMonoMethodShouldCallThroughTheBreakerOncePerAttempt() {
		this.contextRunner.run((context) -> {
			ResilientProvider provider = context.getBean(ResilientProvider.class);
			Calls calls = context.getBean(Calls.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("resilientProvider")
				.orElseThrow();
			assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> provider.askMono().block());
			assertThat(calls.monoCalls).hasValue(3);
			assertThat(breaker.consecutiveFailures()).isEqualTo(3);
		});
	}

	@Test
	void concurrencyLimitRejectionShouldNotCountAsAFailure() {
		this.contextRunner.run((context) -> {
			ResilientProvider provider = context.getBean(ResilientProvider.class);
			Calls calls = context.getBean(Calls.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("resilientProvider")
				.orElseThrow();
			CompletableFuture<String> first = CompletableFuture.supplyAsync(provider::limited);
			await().atMost(Duration.ofSeconds(10)).until(() -> calls.limitedIn.get() == 1);
			assertThatExceptionOfType(InvocationRejectedException.class).isThrownBy(provider::limited);
			calls.release.countDown();
			assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("limited");
			assertThat(breaker.consecutiveFailures()).isZero();
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableResilientMethods
	static class App {

		@Bean
		Calls calls() {
			return new Calls();
		}

		@Bean
		ResilientProvider resilientProvider(Calls calls) {
			return new ResilientProvider(calls);
		}

	}

	/** What the provider saw, kept apart from it: a field read through its proxy would read the proxy's own. */
	static class Calls {

		final AtomicInteger futureCalls = new AtomicInteger();

		final AtomicInteger monoCalls = new AtomicInteger();

		final AtomicInteger limitedIn = new AtomicInteger();

		final CountDownLatch release = new CountDownLatch(1);

	}

	static class ResilientProvider implements Provider {

		private final Calls calls;

		ResilientProvider(Calls calls) {
			this.calls = calls;
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "hi";
		}

		/** A blocking client's call wrapped in a future, as many do: its failure is thrown, not signalled. */
		@Retryable(maxRetries = 2, delay = 0)
		public CompletableFuture<String> askLater() {
			this.calls.futureCalls.incrementAndGet();
			throw new IllegalStateException("connection refused");
		}

		@Retryable(maxRetries = 2, delay = 0)
		public Mono<String> askMono() {
			this.calls.monoCalls.incrementAndGet();
			return Mono.error(new IllegalStateException("502"));
		}

		@ConcurrencyLimit(limit = 1, policy = ThrottlePolicy.REJECT)
		public String limited() {
			this.calls.limitedIn.incrementAndGet();
			await(this.calls.release);
			return "limited";
		}

		private static void await(CountDownLatch latch) {
			try {
				latch.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
