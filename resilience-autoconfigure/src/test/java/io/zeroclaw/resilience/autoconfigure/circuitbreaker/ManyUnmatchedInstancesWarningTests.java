package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.support.GenericApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many {@code instances} entries left over beside many upstream beans: each gets its warning, and no warning lists
 * every bean (200 such warnings beside 1 000 beans wrote 3.6 MB of log).
 */
@ExtendWith(OutputCaptureExtension.class)
class ManyUnmatchedInstancesWarningTests {

	private static final int BEANS = 1000;

	private static final int STALE = 200;

	public static class FleetProvider extends AnsweringProvider {
	}

	@Test
	void warningsAboutStaleInstanceEntriesStaySmallWhenThereAreManyProviders(CapturedOutput output) {
		String[] properties = new String[STALE + 1];
		properties[0] = "zeroclaw.resilience.circuit-breaker.enabled=true";
		for (int i = 0; i < STALE; i++) {
			// entries left over from providers since removed
			properties[i + 1] = "zeroclaw.resilience.circuit-breaker.instances.retiredProvider" + i
					+ ".failure-threshold=7";
		}
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withPropertyValues(properties)
			.withInitializer((context) -> {
				BeanDefinitionRegistry registry = (GenericApplicationContext) context;
				for (int i = 0; i < BEANS; i++) {
					registry.registerBeanDefinition("fleetProvider" + i, new RootBeanDefinition(FleetProvider.class));
				}
			})
			.run((context) -> {
				assertThat(context).hasNotFailed();
				long warnings = output.getOut().lines().filter((line) -> line.contains("names no bean")).count();
				assertThat(warnings).isEqualTo(STALE);
				// each stale entry deserves a line, not a copy of the whole fleet's bean names
				assertThat(output.getOut().length()).isLessThan(STALE * 2_000);
				assertThat(output.getOut()).contains("fleetProvider0, fleetProvider1, fleetProvider10,")
					.contains("... (1000 in all)]");
			});
	}

}
