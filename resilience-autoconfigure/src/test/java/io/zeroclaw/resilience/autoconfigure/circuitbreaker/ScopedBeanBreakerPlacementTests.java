package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.Arrays;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.scope.ScopedObject;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the breaker of a bean behind Spring's plain scoped proxy goes: on the proxy that callers hold, once, and not
 * on each target the scope makes.
 */
class ScopedBeanBreakerPlacementTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void beanBehindAPlainScopedProxyShouldHaveItsBreakerOnTheProxyAndNotOnItsTargets() {
		// the same scoped provider as for the guarding-nothing warning
		this.contextRunner.withUserConfiguration(GuardNothingWarningFalsePositiveTests.ScopedConfiguration.class)
			.run((context) -> {
				Provider provider = context.getBean("scoped", Provider.class);
				assertThat(provider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("reply");
				assertThat(breakerAdvice(provider)).as("breakers on the scoped proxy").isEqualTo(1);
				Object target = ((ScopedObject) provider).getTargetObject();
				assertThat(AopUtils.isAopProxy(target)).as("the scope's target is the bean itself").isFalse();
				assertThat(target).isInstanceOf(GuardNothingWarningFalsePositiveTests.ReplyingProvider.class);
			});
	}

	private static long breakerAdvice(Object bean) {
		return Arrays.stream(((Advised) bean).getAdvisors())
			.filter((advisor) -> advisor.getAdvice() instanceof CircuitBreakerInterceptor)
			.count();
	}

}
