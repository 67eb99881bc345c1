package io.zeroclaw.resilience.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceActuatorAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.ResilienceDescriptor;
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Every protection on, with Actuator and meters, under {@code spring.main.lazy-initialization=true}.
 */
class LazyInitializationAllFeaturesTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withInitializer((context) -> context.addBeanFactoryPostProcessor(
				new LazyInitializationBeanFactoryPostProcessor()))
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				CircuitBreakerAutoConfiguration.class, BackpressureAutoConfiguration.class,
				ResilienceActuatorAutoConfiguration.class, MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
		.withUserConfiguration(Beans.class)
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.circuit-breaker.enabled=true", "zeroclaw.resilience.backpressure.enabled=true",
				"management.endpoints.web.exposure.include=health,resilience");

	@Test
	void everyProtectionShouldWorkOnFirstUse() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.find("zeroclaw.resilience.circuitbreaker.state").gauges()).isNotEmpty();
			assertThat(meters.find("zeroclaw.resilience.backpressure.depth").gauge()).isNotNull();
			assertThat(meters.find("zeroclaw.resilience.ratelimit.requests").meters()).isNotEmpty();
			assertThat(context.getBeansOfType(FilterRegistrationBean.class)).isNotEmpty();
			context.getBean(CircuitBreakerRegistry.class).find("llm").orElseThrow().transitionToOpen();
			Provider llm = context.getBean("llm", Provider.class);
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> llm.simpleChat("hi", "m", 0));
			Worker worker = context.getBean(Worker.class);
			assertThat(worker.work()).isEqualTo("done");
			assertThat(meters.counter("zeroclaw.resilience.backpressure.admitted", "priority", "NORMAL").count())
				.isEqualTo(1.0);
			ResilienceDescriptor view = context.getBean(ResilienceEndpoint.class).resilience();
			assertThat(view.rateLimit().filter()).isTrue();
			assertThat(view.circuitBreakers()).containsOnlyKeys("llm");
			assertThat(view.backpressure().enabled()).isTrue();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class Beans {

		@Bean
		Provider llm() {
			return (system, message, model, temperature) -> "reply";
		}

		@Bean
		Worker worker() {
			return new Worker();
		}

	}

	public static class Worker {

		@Prioritized
		public String work() {
			return "done";
		}

	}

}
