package io.zeroclaw.resilience.autoconfigure.web;

import io.zeroclaw.resilience.autoconfigure.OnAnyResilienceFeatureEnabled;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.annotation.Order;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Maps {@code CircuitOpenException} and {@code LoadShedException} escaping a WebFlux handler to 503 responses, as
 * {@link ResilienceWebMvcAutoConfiguration} does for Spring MVC: WebFlux asks the same {@code @RestControllerAdvice}
 * beans, in the same order, for an annotated handler's exception or its publisher's error, and a
 * {@link ResilienceWebExceptionHandler} answers the same way for functional endpoints, whose errors no advice sees.
 * (A controller's own catch-all {@code @ExceptionHandler}, which WebFlux asks before any advice, still answers these
 * refusals there.)
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass(name = "org.springframework.web.reactive.DispatcherHandler")
@Conditional(OnAnyResilienceFeatureEnabled.class)
public final class ResilienceWebFluxAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ResilienceExceptionHandler resilienceExceptionHandler() {
		return new ResilienceExceptionHandler();
	}

	/**
	 * The same answers where the advice is not asked: a functional endpoint's handler function that throws, or a body
	 * it returned that fails before the response is committed.
	 */
	@Bean
	@ConditionalOnMissingBean(name = "resilienceWebExceptionHandler")
	@Order(ResilienceWebExceptionHandler.ORDER)
	WebExceptionHandler resilienceWebExceptionHandler(ResilienceExceptionHandler answers,
			ObjectProvider<ServerCodecConfigurer> codecs) {
		return new ResilienceWebExceptionHandler(answers, codecs.getIfAvailable(ServerCodecConfigurer::create));
	}

}
