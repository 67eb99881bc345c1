package io.zeroclaw.resilience.autoconfigure.web;

import io.zeroclaw.resilience.autoconfigure.OnAnyResilienceFeatureEnabled;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Maps {@code CircuitOpenException} and {@code LoadShedException} escaping a Spring MVC handler to 503 responses in a
 * servlet web application with any protection enabled: with rate limiting alone, a breaker or controller used by
 * hand still gets these answers.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@Conditional(OnAnyResilienceFeatureEnabled.class)
public final class ResilienceWebMvcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ResilienceExceptionHandler resilienceExceptionHandler() {
		return new ResilienceExceptionHandler();
	}

}
