package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.Test;

import org.springframework.aot.test.generate.TestGenerationContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.test.tools.CompileWithForkedClassLoader;
import org.springframework.core.test.tools.TestCompiler;
import org.springframework.javapoet.ClassName;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.context.support.GenericWebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two rate-limit filters, one on each side of Spring Security, when policies keyed by principal apply beside
 * others: each request is limited by exactly one of them, whatever replaces or pre-computes part of the set-up.
 */
class RateLimitFilterSplitTests {

	private static final String[] BOTH = { "zeroclaw.resilience.rate-limit.enabled=true",
			"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
			"zeroclaw.resilience.rate-limit.policies.me.paths=/me",
			"zeroclaw.resilience.rate-limit.policies.me.key=principal" };

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class));

	@Test
	void applicationsOwnFilterRegistrationShouldReplaceBothFilters() {
		this.runner.withPropertyValues(BOTH)
			.withUserConfiguration(OwnRegistration.class)
			.run((context) -> assertThat(enabledRateLimitFilters(context)).isEmpty());
	}

	/**
	 * Built ahead of time with ip keys only, run with a principal policy too (a property set only in the
	 * deployment): the principal policy must still be applied by some filter.
	 */
	@Test
	@CompileWithForkedClassLoader
	void aotProcessedContextShouldNotDropPrincipalPoliciesWhenRunTimePropertiesAddThem() {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true").prepare((context) -> {
			GenericApplicationContext source = (GenericApplicationContext) context.getSourceApplicationContext();
			TestGenerationContext generation = new TestGenerationContext();
			ClassName initializer = new ApplicationContextAotGenerator().processAheadOfTime(source, generation);
			generation.writeGeneratedContent();
			TestCompiler.forSystem().with(generation).compile((compiled) -> {
				try (GenericWebApplicationContext processed = new GenericWebApplicationContext()) {
					processed.setClassLoader(RateLimitFilterSplitTests.class.getClassLoader());
					TestPropertyValues.of(BOTH).applyTo(processed);
					compiled.getInstance(ApplicationContextInitializer.class, initializer.toString())
						.initialize(processed);
					processed.refresh();
					assertThat(countedBy(processed, "/me", "alice")).as("filters that set RateLimit on GET /me")
						.isEqualTo(1);
				}
			});
		});
	}

	@Test
	void eachRequestShouldBeLimitedByExactlyOneFilter() {
		this.runner.withPropertyValues(BOTH).run((context) -> {
			assertThat(countedBy(context, "/me", "alice")).isEqualTo(1);
			assertThat(countedBy(context, "/other", null)).isEqualTo(1);
		});
	}

	/** On a real server, where two filters of one name cannot both be registered. */
	@Test
	void bothFiltersShouldBeRegisteredWithTheServletContextUnderTheirOwnNames() {
		new WebApplicationContextRunner(AnnotationConfigServletWebServerApplicationContext::new)
			.withConfiguration(AutoConfigurations.of(TomcatServletWebServerAutoConfiguration.class,
					ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues(BOTH)
			.withPropertyValues("server.port=18901")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ServletContext servletContext = ((WebApplicationContext) context.getSourceApplicationContext())
					.getServletContext();
				assertThat(servletContext.getFilterRegistrations()).containsKeys("zeroclawRateLimitFilter",
						"zeroclawPrincipalRateLimitFilter");
			});
	}

	@SuppressWarnings({ "rawtypes", "unchecked" })
	private static List<FilterRegistrationBean<?>> enabledRateLimitFilters(ApplicationContext context) {
		List<FilterRegistrationBean<?>> result = new ArrayList<>();
		for (FilterRegistrationBean registration : context.getBeansOfType(FilterRegistrationBean.class).values()) {
			if (registration.isEnabled() && registration.getFilter() instanceof RateLimitFilter) {
				result.add(registration);
			}
		}
		result.sort(Comparator.comparingInt(FilterRegistrationBean::getOrder));
		return result;
	}

	private static int countedBy(ApplicationContext context, String path, String user) {
		try {
			return doCountedBy(context, path, user);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static int doCountedBy(ApplicationContext context, String path, String user) throws Exception {
		int counted = 0;
		for (FilterRegistrationBean<?> registration : enabledRateLimitFilters(context)) {
			MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
			if (user != null) {
				request.setUserPrincipal(() -> user);
			}
			MockHttpServletResponse response = new MockHttpServletResponse();
			registration.getFilter().doFilter(request, response, new MockFilterChain());
			if (response.getHeader("RateLimit") != null) {
				counted++;
			}
		}
		return counted;
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnRegistration {

		@Bean
		FilterRegistrationBean<Filter> rateLimitFilterRegistration() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(
					(request, response, chain) -> chain.doFilter(request, response));
			registration.setEnabled(false);
			return registration;
		}

	}

}
