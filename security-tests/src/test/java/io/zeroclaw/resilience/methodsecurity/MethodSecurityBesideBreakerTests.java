package io.zeroclaw.resilience.methodsecurity;

import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.core.context.SecurityContextHolder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Spring Security's method security on a guarded bean: a caller refused by {@code @PreAuthorize} is refused before
 * the breaker, so refusals count for nothing and an open breaker does not hide them.
 */
class MethodSecurityBesideBreakerTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(App.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1");

	@AfterEach
	void clearContext() {
		SecurityContextHolder.clearContext();
	}

	@Test
	void deniedCallsShouldNotOpenTheBreaker() {
		this.contextRunner.run((context) -> {
			Provider provider = context.getBean(Provider.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("securedProvider")
				.orElseThrow();
			SecurityContextHolder.getContext()
				.setAuthentication(new TestingAuthenticationToken("eve", "x", "ROLE_USER"));
			for (int i = 0; i < 3; i++) {
				assertThatExceptionOfType(AuthorizationDeniedException.class)
					.isThrownBy(() -> provider.chatWithSystem(null, "hi", "m", 0));
			}
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			SecurityContextHolder.getContext()
				.setAuthentication(new TestingAuthenticationToken("ada", "x", "ROLE_ADMIN"));
			assertThat(provider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("hi");
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableMethodSecurity
	static class App {

		@Bean
		SecuredProvider securedProvider() {
			return new SecuredProvider();
		}

	}

	static class SecuredProvider implements Provider {

		@Override
		@PreAuthorize("hasRole('ADMIN')")
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return message;
		}

	}

}
