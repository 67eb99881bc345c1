package io.zeroclaw.resilience.autoconfigure.ratelimit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.web.filter.HiddenHttpMethodFilter;
import org.springframework.web.filter.UrlHandlerFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The start-up warning of a filter that changes the path or the method after the rate-limit filter has matched the
 * request on them.
 */
@ExtendWith(OutputCaptureExtension.class)
class RewritingFilterCheckTests {

	private static final String WARNING = "is not ordered before the rate-limit filter";

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.policies.chat.paths=/api/chat");

	@Test
	void trailingSlashHandlerDeclaredAsAPlainBeanShouldBeWarnedOfByName(CapturedOutput output) {
		this.runner.withBean("slashes", UrlHandlerFilter.class, RewritingFilterCheckTests::trailingSlashHandler)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Filter 'slashes' (" + UrlHandlerFilter.class.getName() + ") " + WARNING)
					.contains("strips a trailing slash")
					.contains("Order it below -110")
					// no order puts the rate-limit filter after a filter of the last order
					.doesNotContain("filter-order");
			});
	}

	@Test
	void trailingSlashHandlerOfAnOrderOfItsOwnShouldBeToldWhichFilterOrderFollowsIt(CapturedOutput output) {
		this.runner.withBean("slashes", FilterRegistrationBean.class, () -> {
			FilterRegistrationBean<UrlHandlerFilter> registration = new FilterRegistrationBean<>(trailingSlashHandler());
			registration.setOrder(5);
			return registration;
		}).run((context) -> assertThat(output).contains(WARNING).contains("filter-order above 5)"));
		// and following that advice silences it
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.filter-order=6")
			.withBean("slashes2", FilterRegistrationBean.class, () -> {
				FilterRegistrationBean<UrlHandlerFilter> registration = new FilterRegistrationBean<>(
						trailingSlashHandler());
				registration.setOrder(5);
				return registration;
			})
			.run((context) -> assertThat(output.toString().split(WARNING, -1)).hasSize(2));
	}

	@Test
	void trailingSlashHandlerOrderedBeforeTheRateLimitFilterShouldNotBeWarnedOf(CapturedOutput output) {
		this.runner.withBean("slashes", FilterRegistrationBean.class, () -> {
			FilterRegistrationBean<UrlHandlerFilter> registration = new FilterRegistrationBean<>(trailingSlashHandler());
			registration.setOrder(-1000);
			return registration;
		}).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(output).doesNotContain(WARNING);
		});
	}

	@Test
	void trailingSlashHandlerOnTheRateLimitFiltersOwnOrderShouldBeWarnedOf(CapturedOutput output) {
		// the order of two filters of one order is the order of their beans: not one to rely on
		this.runner.withBean("slashes", FilterRegistrationBean.class, () -> {
			FilterRegistrationBean<UrlHandlerFilter> registration = new FilterRegistrationBean<>(trailingSlashHandler());
			registration.setOrder(-110);
			return registration;
		}).run((context) -> assertThat(output).contains("Filter 'slashes'").contains(WARNING));
	}

	@Test
	void methodFilterDeclaredAsAPlainBeanShouldBeWarnedOfWhereAPolicyNamesMethods(CapturedOutput output) {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.policies.chat.methods=POST")
			.withBean("methods", HiddenHttpMethodFilter.class)
			.run((context) -> assertThat(output).contains("Filter 'methods'")
				.contains(WARNING)
				.contains("takes the method from a form's _method parameter"));
	}

	@Test
	void methodFilterDeclaredAsAPlainBeanShouldNotBeWarnedOfWhereNoPolicyNamesMethods(CapturedOutput output) {
		this.runner.withBean("methods", HiddenHttpMethodFilter.class)
			.run((context) -> assertThat(output).doesNotContain(WARNING));
	}

	@Test
	void springBootsOwnMethodFilterShouldNotBeWarnedOf(CapturedOutput output) {
		this.runner.withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.policies.chat.methods=POST",
					"spring.mvc.hiddenmethod.filter.enabled=true")
			.run((context) -> {
				assertThat(context).hasSingleBean(HiddenHttpMethodFilter.class);
				assertThat(output).doesNotContain(WARNING);
			});
	}

	@Test
	void rateLimitFilterOrderedAfterSpringBootsOwnMethodFilterShouldHaveItWarnedOf(CapturedOutput output) {
		this.runner.withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.policies.chat.methods=POST",
					"spring.mvc.hiddenmethod.filter.enabled=true", "zeroclaw.resilience.rate-limit.filter-order=-20000")
			.run((context) -> assertThat(output).contains(WARNING).contains("Order it below -20000"));
	}

	private static UrlHandlerFilter trailingSlashHandler() {
		return UrlHandlerFilter.trailingSlashHandler("/api/**").wrapRequest().build();
	}

}
