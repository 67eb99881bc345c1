package io.zeroclaw.resilience.autoconfigure.actuate;

import java.util.Map;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.jmx.JmxEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jmx.JmxAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The {@code resilience} endpoint and health contributor as an operator reaches them over JMX (jconsole, VisualVM,
 * Jolokia): {@code spring.jmx.enabled=true} and {@code management.endpoints.jmx.exposure.include=*}.
 */
class ResilienceEndpointJmxTests {

	private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(JmxAutoConfiguration.class,
			JacksonAutoConfiguration.class, EndpointAutoConfiguration.class, JacksonEndpointAutoConfiguration.class,
			JmxEndpointAutoConfiguration.class, HealthContributorAutoConfiguration.class,
			HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
			ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class, CircuitBreakerAutoConfiguration.class,
			BackpressureAutoConfiguration.class, ResilienceActuatorAutoConfiguration.class);

	private static final String[] PROPERTIES = { "spring.jmx.enabled=true", "spring.jmx.unique-names=true",
			"management.endpoints.jmx.exposure.include=*", "zeroclaw.resilience.circuit-breaker.enabled=true",
			"zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.backpressure.enabled=true" };

	private static final String[] ONE_STRING = { String.class.getName() };

	private static final String[] TWO_STRINGS = { String.class.getName(), String.class.getName() };

	private final WebApplicationContextRunner servlet = new WebApplicationContextRunner()
		.withConfiguration(CONFIGURATIONS)
		.withUserConfiguration(ProviderConfiguration.class)
		.withPropertyValues(PROPERTIES);

	private final ApplicationContextRunner plain = new ApplicationContextRunner().withConfiguration(CONFIGURATIONS)
		.withUserConfiguration(ProviderConfiguration.class)
		.withPropertyValues(PROPERTIES);

	@Test
	void endpointShouldBeAnMBeanWhoseReadsJmxClientsCanShowInAServletApplication() {
		this.servlet.run((context) -> assertReadable(context, true, true));
	}

	@Test
	void endpointShouldBeAnMBeanWhoseReadsJmxClientsCanShowInAnApplicationThatIsNotAWebApplication() {
		this.plain.run((context) -> assertReadable(context, true, false));
	}

	@Test
	void endpointShouldBeAnMBeanWhoseReadsJmxClientsCanShowInAnApplicationWithoutSpringWeb() {
		this.plain.withClassLoader(new FilteredClassLoader("org.springframework.web", "jakarta.servlet"))
			.run((context) -> assertReadable(context, false, false));
	}

	@Test
	void healthOverJmxShouldListEachBreakersState() {
		this.plain.run((context) -> {
			context.getBean(CircuitBreakerRegistry.class).find("llm").orElseThrow().transitionToOpen();
			MBeanServer server = context.getBean(MBeanServer.class);
			Object health = server.invoke(mbean(server, "Health"), "health", new Object[0], new String[0]);
			assertThat(health).extracting("components.resilience.status").isEqualTo("UP");
			assertThat(health).extracting("components.resilience.details.circuitBreakers.llm.state")
				.isEqualTo("OPEN");
		});
	}

	@Test
	void breakerShouldBeForcedOpenOverJmxWithTheStateAsAString() {
		this.servlet.run((context) -> {
			MBeanServer server = context.getBean(MBeanServer.class);
			ObjectName resilience = mbean(server, "Resilience");
			assertThat(server.getMBeanInfo(resilience).getOperations())
				.extracting((operation) -> operation.getName())
				.contains("forceState");
			server.invoke(resilience, "forceState", new Object[] { "llm", "OPEN" }, TWO_STRINGS);
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("llm").orElseThrow().state())
				.isEqualTo(CircuitState.OPEN);
		});
	}

	@Test
	void forcingOverJmxShouldRefuseAnUnknownBreakerOrStateSayingWhich() {
		this.servlet.run((context) -> {
			MBeanServer server = context.getBean(MBeanServer.class);
			ObjectName resilience = mbean(server, "Resilience");
			assertThatException()
				.isThrownBy(() -> server.invoke(resilience, "forceState", new Object[] { "nope", "OPEN" },
						TWO_STRINGS))
				.havingRootCause()
				.isInstanceOf(IllegalArgumentException.class)
				.withMessageContaining("no circuit breaker named 'nope'");
			assertThatException()
				.isThrownBy(() -> server.invoke(resilience, "forceState", new Object[] { "llm", "HALF_OPEN" },
						TWO_STRINGS))
				.havingRootCause()
				.isInstanceOf(IllegalArgumentException.class)
				.withMessageContaining("OPEN or CLOSED");
			assertThatException()
				.isThrownBy(() -> server.invoke(resilience, "forceState", new Object[] { "llm", null }, TWO_STRINGS))
				.havingRootCause()
				.isInstanceOf(IllegalArgumentException.class)
				.withMessageContaining("state");
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("llm").orElseThrow().state())
				.isEqualTo(CircuitState.CLOSED);
		});
	}

	private static void assertReadable(ApplicationContext context, boolean rateLimit, boolean filter)
			throws Exception {
		context.getBean("llm", Provider.class).simpleChat("hi", "m", 0.0);
		MBeanServer server = context.getBean(MBeanServer.class);
		ObjectName resilience = mbean(server, "Resilience");
		Object view = server.invoke(resilience, "resilience", new Object[0], new String[0]);
		assertThat(view).isInstanceOf(Map.class);
		assertThat(view).extracting("rateLimit.filter").isEqualTo(filter);
		assertThat(view).extracting("rateLimit.enabled").isEqualTo(rateLimit);
		if (rateLimit) {
			assertThat(view).extracting("rateLimit.policies.default.window").isEqualTo("PT1M");
		}
		assertThat(view).extracting("circuitBreakers.llm.state").isEqualTo("CLOSED");
		assertThat(view).extracting("backpressure.shedThresholds.low").isEqualTo(0.7);
		assertThat(view).extracting("backpressure.limits.CRITICAL").isEqualTo(Integer.MAX_VALUE);
		Object llm = server.invoke(resilience, "breaker", new Object[] { "llm" }, ONE_STRING);
		assertThat(llm).extracting("state").isEqualTo("CLOSED");
		assertThatNoException()
			.isThrownBy(() -> assertThat(server.invoke(resilience, "breaker", new Object[] { "x" }, ONE_STRING))
				.isNull());
	}

	private static ObjectName mbean(MBeanServer server, String endpoint) throws Exception {
		return server.queryNames(new ObjectName("org.springframework.boot:type=Endpoint,name=" + endpoint + ",*"),
				null)
			.stream()
			.findFirst()
			.orElseThrow(() -> new AssertionError("No MBean for the " + endpoint + " endpoint"));
	}

	@Configuration(proxyBeanMethods = false)
	static class ProviderConfiguration {

		@Bean
		Provider llm() {
			return (system, message, model, temperature) -> "ok";
		}

	}

}
