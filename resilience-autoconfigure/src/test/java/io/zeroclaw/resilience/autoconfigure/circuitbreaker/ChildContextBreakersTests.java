package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A child context that runs the auto-configuration itself has breakers of its own: its own settings govern its own
 * beans, and a bean named like one of its parent's neither shares nor opens the parent's breaker.
 */
class ChildContextBreakersTests {

	private final ApplicationContextRunner parents = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void theChildsDefaultsShouldApplyToItsOwnBeans() {
		this.parents.run((parent) -> children(parent)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2",
					"zeroclaw.resilience.circuit-breaker.recovery-timeout=7s")
			.withBean("childProvider", Provider.class, () -> (system, message, model, temperature) -> "ok")
			.run((child) -> {
				CircuitBreaker breaker = child.getBean(CircuitBreakerRegistry.class).find("childProvider").orElseThrow();
				assertThat(breaker.config().failureThreshold()).isEqualTo(2);
				assertThat(breaker.config().recoveryTimeout()).hasSeconds(7);
			}));
	}

	@Test
	void theChildsInstanceSettingsShouldApplyToItsOwnBeans() {
		this.parents.run((parent) -> children(parent)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.childProvider.failure-threshold=1")
			.withBean("childProvider", Provider.class, () -> (system, message, model, temperature) -> {
				throw new IllegalStateException("upstream answered 500");
			})
			.run((child) -> {
				Provider provider = child.getBean("childProvider", Provider.class);
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("x", "m", 0));
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.simpleChat("x", "m", 0));
			}));
	}

	@Test
	void aChildBeanNamedLikeAParentBeanShouldHaveABreakerOfItsOwn() {
		this.parents.withBean("acme", Provider.class, () -> (system, message, model, temperature) -> "parent ok")
			.run((parent) -> children(parent)
				.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=1")
				.withBean("acme", Provider.class, () -> (system, message, model, temperature) -> {
					throw new IllegalStateException("upstream answered 500");
				})
				.run((child) -> {
					assertThatIllegalStateException()
						.isThrownBy(() -> child.getBean("acme", Provider.class).simpleChat("x", "m", 0));
					assertThat(child.getBean(CircuitBreakerRegistry.class).find("acme").orElseThrow().state())
						.isEqualTo(CircuitState.OPEN);
					assertThat(parent.getBean(CircuitBreakerRegistry.class).find("acme").orElseThrow().state())
						.as("the parent's breaker of its own, healthy, acme")
						.isEqualTo(CircuitState.CLOSED);
					assertThat(parent.getBean("acme", Provider.class).simpleChat("x", "m", 0)).isEqualTo("parent ok");
					assertThat(child.getBean(CircuitBreakerRegistry.class))
						.isNotSameAs(parent.getBean(CircuitBreakerRegistry.class));
				}));
	}

	@Test
	void aChildShouldStartUnderAParentWhoseRegistryAndFactoryHaveNamesOfTheirOwn() {
		this.parents.withBean("sharedBreakers", CircuitBreakerRegistry.class, CircuitBreakerRegistry::new)
			.withBean("acmeBreakerFactory", CircuitBreakerFactory.class,
					() -> (name) -> new CircuitBreaker(name, CircuitBreakerConfig.defaults()))
			.run((parent) -> children(parent)
				.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
				.withBean("childProvider", Provider.class, () -> (system, message, model, temperature) -> "ok")
				.run((child) -> {
					assertThat(child).hasNotFailed();
					assertThat(child.getBean("childProvider", Provider.class).simpleChat("x", "m", 0)).isEqualTo("ok");
					assertThat(child.getBean("circuitBreakerRegistry", CircuitBreakerRegistry.class)
						.find("childProvider")
						.orElseThrow()
						.config()
						.failureThreshold()).isEqualTo(2);
					assertThat(parent.getBean("sharedBreakers", CircuitBreakerRegistry.class).find("childProvider"))
						.isEmpty();
				}));
	}

	@Test
	void aChildThatDefinesItsParentsRegistryUnderAnotherNameShouldShareItsBreakers() {
		this.parents.withBean("sharedBreakers", CircuitBreakerRegistry.class, CircuitBreakerRegistry::new)
			.run((parent) -> children(parent)
				.withBean("childBreakers", CircuitBreakerRegistry.class,
						() -> parent.getBean("sharedBreakers", CircuitBreakerRegistry.class))
				.withBean("childProvider", Provider.class, () -> (system, message, model, temperature) -> "ok")
				.run((child) -> {
					assertThat(child).hasNotFailed();
					child.getBean("childProvider", Provider.class).simpleChat("x", "m", 0);
					assertThat(parent.getBean("sharedBreakers", CircuitBreakerRegistry.class).find("childProvider"))
						.isPresent();
				}));
	}

	private static ApplicationContextRunner children(ApplicationContext parent) {
		return new ApplicationContextRunner().withParent(parent)
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");
	}

}
