package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.function.Supplier;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The start-up WARN "no circuit breaker guards anything" advises "or use the CircuitBreakerRegistry bean by hand":
 * an application that does so, making its breaker at start-up, is not told that nothing is guarded.
 */
@ExtendWith(OutputCaptureExtension.class)
class GuardNothingWarningTests {

	@Test
	void breakersUsedByHandThroughTheRegistryShouldNotBeReportedAsGuardingNothing(CapturedOutput output) {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.withUserConfiguration(ByHandConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(SearchClient.class).search()).isEqualTo("found");
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("search")).isPresent();
				assertThat(output).doesNotContain("so no circuit breaker guards anything");
			});
	}

	record SearchClient(CircuitBreaker breaker) {

		String search() {
			Supplier<String> call = () -> "found";
			return this.breaker.execute(call);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ByHandConfiguration {

		@Bean
		SearchClient searchClient(CircuitBreakerRegistry registry, CircuitBreakerFactory factory) {
			return new SearchClient(registry.computeIfAbsent("search", factory::create));
		}

	}

}
