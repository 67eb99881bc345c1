package io.zeroclaw.resilience.autoconfigure.web;

import java.util.List;

import io.zeroclaw.resilience.autoconfigure.OnAnyResilienceFeatureEnabled;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.ExceptionHandlerExceptionResolver;

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

	/**
	 * Puts a {@link LocalCatchAllExceptionResolver} ahead of Spring MVC's resolver of {@code @ExceptionHandler}
	 * methods, configured as that one is, so that a controller's own catch-all handler does not turn a refusal into a
	 * 500.
	 */
	@Bean
	WebMvcConfigurer zeroclawLocalCatchAllExceptionResolverConfigurer(ApplicationContext applicationContext,
			ObjectProvider<ResilienceExceptionHandler> handler) {
		return new WebMvcConfigurer() {

			@Override
			public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
				for (int i = 0; i < resolvers.size(); i++) {
					if (resolvers.get(i) instanceof ExceptionHandlerExceptionResolver mvc
							&& !(mvc instanceof LocalCatchAllExceptionResolver)) {
						LocalCatchAllExceptionResolver resolver = new LocalCatchAllExceptionResolver(handler);
						resolver.setMessageConverters(mvc.getMessageConverters());
						resolver.setContentNegotiationManager(mvc.getContentNegotiationManager());
						resolver.setErrorResponseInterceptors(mvc.getErrorResponseInterceptors());
						resolver.setApplicationContext(applicationContext);
						resolver.afterPropertiesSet();
						resolvers.add(i, resolver);
						return;
					}
				}
			}

		};
	}

}
