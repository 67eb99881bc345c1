package io.zeroclaw.resilience.autoconfigure.web;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Maps {@code CircuitOpenException} and {@code LoadShedException} escaping a Spring MVC handler to 503 responses, when
 * the circuit breaker or the backpressure feature is enabled in a servlet web application.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@Conditional(ResilienceWebMvcAutoConfiguration.OnRefusingFeatureEnabled.class)
public final class ResilienceWebMvcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ResilienceExceptionHandler resilienceExceptionHandler() {
		return new ResilienceExceptionHandler();
	}

	static final class OnRefusingFeatureEnabled extends AnyNestedCondition {

		OnRefusingFeatureEnabled() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBooleanProperty("zeroclaw.resilience.circuit-breaker.enabled")
		static final class CircuitBreakerEnabled {

		}

		@ConditionalOnBooleanProperty("zeroclaw.resilience.backpressure.enabled")
		static final class BackpressureEnabled {

		}

	}

}
