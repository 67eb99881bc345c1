package io.zeroclaw.resilience.autoconfigure;

import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Binds {@link ResilienceProperties}. Each protection has an auto-configuration of its own that is off until its
 * {@code enabled} property is set; with nothing enabled this is the only thing the starter contributes.
 */
@AutoConfiguration
@EnableConfigurationProperties(ResilienceProperties.class)
public final class ResilienceAutoConfiguration {

	/**
	 * Keeps the properties eager under {@code spring.main.lazy-initialization}, so that they are checked at start-up
	 * even when no bean created then reads them.
	 */
	@Bean
	static LazyInitializationExcludeFilter resiliencePropertiesEagerly() {
		return LazyInitializationExcludeFilter.forBeanTypes(ResilienceProperties.class);
	}

	/**
	 * Says so when rate limiting is on in an application without Spring Web (no web starter): policies match request
	 * paths with Spring Web's path patterns, so the rate-limit auto-configuration backs off and nothing is limited.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty("zeroclaw.resilience.rate-limit.enabled")
	@ConditionalOnMissingClass("org.springframework.web.util.pattern.PathPatternParser")
	static class RateLimitWithoutSpringWebConfiguration {

		@Bean
		SmartInitializingSingleton rateLimitWithoutSpringWebWarning() {
			return () -> LoggerFactory.getLogger(ResilienceAutoConfiguration.class)
				.warn("zeroclaw.resilience.rate-limit.enabled is true, but Spring Web is not on the classpath (this "
						+ "is not a web application): rate limiting is off and no request is limited. Add a web "
						+ "starter (spring-boot-starter-webmvc), or set the property to false.");
		}

	}

}
