package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.circuitbreaker.ProxiedProviderCircuitBreakerTests.ValidatedConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.ProxiedProviderCircuitBreakerTests.ValidatedProvider;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import jakarta.validation.constraints.NotBlank;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.validation.annotation.Validated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Method validation, whose advice Boot appends after the breaker's: the breaker is moved back next to the bean, and
 * stays on it; a validated bean that no breaker guards is left as it is.
 */
class ValidatedBeansThroughBreakerTests {

	private final ApplicationContextRunner contextRunner = new ClockedBreakers().runner(ValidatedConfiguration.class)
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class));

	@Test
	void validatedProviderShouldStillBeRefusedWhileItsBreakerIsOpen() {
		this.contextRunner.run((context) -> {
			ValidatedProvider provider = context.getBean(ValidatedProvider.class);
			context.getBean(CircuitBreakerRegistry.class).find("validatedProvider").orElseThrow().transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> provider.ask("Hello"));
			assertThat(context.getBean(ProxiedProviderCircuitBreakerTests.Upstream.class).calls()).hasValue(0);
		});
	}

	@Test
	void validatedBeanWithoutABreakerShouldStartAndBeValidated() {
		this.contextRunner.withBean(Greeter.class, Greeter::new).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(Greeter.class).greet("Ada")).isEqualTo("Hello, Ada");
		});
	}

	@Validated
	public static class Greeter {

		public String greet(@NotBlank String name) {
			return "Hello, " + name;
		}

	}

}
