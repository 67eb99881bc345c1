package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.ArrayList;
import java.util.List;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guarded bean whose call makes several calls of another guarded bean (a router that tries its writer model twice):
 * each of the inner calls goes through the other bean's own breaker, the second as the first, however the first
 * ended. Only a call back into the same bean is part of the call in progress.
 */
class CallsOfAnotherGuardedBeanInsideACallTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	private final ApplicationContextRunner contextRunner = this.breakers.runner(RouterConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2");

	@Test
	void everyFailedCallOfAnotherBeanShouldBeCountedByThatBeansBreaker() {
		this.contextRunner.run((context) -> {
			Provider router = context.getBean("router", Provider.class);
			CircuitBreaker writer = context.getBean(CircuitBreakerRegistry.class).find("writer").orElseThrow();
			assertThat(router.chatWithSystem(null, "fail", "m", 0)).isEqualTo("failed, failed");
			assertThat(writer.consecutiveFailures()).isEqualTo(2);
			assertThat(writer.state()).isEqualTo(CircuitState.OPEN);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class RouterConfiguration {

		@Bean
		Provider writer() {
			return (system, message, model, temperature) -> {
				if (message.equals("fail")) {
					throw new IllegalStateException("upstream answered 500");
				}
				return "wrote " + message;
			};
		}

		@Bean
		Provider router(@Qualifier("writer") Provider writer) {
			return (system, message, model, temperature) -> {
				List<String> answers = new ArrayList<>();
				for (int attempt = 0; attempt < 2; attempt++) {
					try {
						answers.add(writer.chatWithSystem(system, message, model, temperature));
					}
					catch (IllegalStateException ex) {
						answers.add("failed");
					}
				}
				return String.join(", ", answers);
			};
		}

	}

}
