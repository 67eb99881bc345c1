package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's listener of {@link CircuitBreakerStateChangedEvent} that throws: the breaker drops what its
 * listeners throw, so the failure (and the listeners Spring then skips) must be said in the log, and the state change
 * itself must stand.
 */
@ExtendWith(OutputCaptureExtension.class)
class StateChangeListenerFailureTests {

	static final List<String> heard = new CopyOnWriteArrayList<>();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(CircuitBreakerAutoConfigurationTests.ProviderConfiguration.class, Listeners.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@BeforeEach
	void clear() {
		heard.clear();
	}

	@Test
	void listenerThatThrowsShouldBeLoggedNamingTheBreakerAndLeaveTheChangeStanding(CapturedOutput output) {
		this.runner.run((context) -> {
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("scriptedProvider")
				.orElseThrow();
			breaker.transitionToOpen();
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
			assertThat(output).contains("A listener of CircuitBreakerStateChangedEvent failed on breaker "
					+ "'scriptedProvider' (CLOSED -> OPEN)")
				.contains("alerting bug");
			assertThat(heard).as("the listener after it, which Spring skips, as the Javadoc says").isEmpty();
		});
	}

	@Test
	void listenerThatKeepsFailingShouldBeLoggedAtMostOnceAMinute(CapturedOutput output) {
		this.runner.run((context) -> {
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("scriptedProvider")
				.orElseThrow();
			for (int i = 0; i < 5; i++) {
				breaker.transitionToOpen();
				breaker.transitionToClosed();
			}
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			String log = output.toString();
			assertThat(log.split("A listener of CircuitBreakerStateChangedEvent failed", -1)).hasSize(2);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class Listeners {

		@Bean
		@Order(1)
		ApplicationListener<CircuitBreakerStateChangedEvent> alerting() {
			return (event) -> {
				throw new IllegalStateException("alerting bug");
			};
		}

		@Bean
		@Order(2)
		ApplicationListener<CircuitBreakerStateChangedEvent> paging() {
			return (event) -> heard.add("paging: " + event.getTo());
		}

	}

}
