package io.zeroclaw.resilience.autoconfigure;

import java.util.Arrays;
import java.util.List;

import org.aopalliance.aop.Advice;
import org.junit.jupiter.api.Test;

import org.springframework.aop.Advisor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With no feature enabled the starter contributes nothing but its properties: no filter, no post-processor, no
 * advisor.
 */
class ResilienceAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(allAutoConfigurations()));

	@Test
	void runWithNothingEnabledShouldRegisterOnlyTheProperties() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(ResilienceProperties.class);
			assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
			assertThat(context.getBeansOfType(Advisor.class)).isEmpty();
			assertThat(context.getBeansOfType(Advice.class)).isEmpty();
			List<String> ours = Arrays.stream(context.getBeanDefinitionNames())
				.map(context::getType)
				.filter((type) -> type != null && type.getName().startsWith("io.zeroclaw."))
				.filter((type) -> type != ResilienceProperties.class)
				.filter((type) -> !type.isAnnotationPresent(AutoConfiguration.class))
				.map(Class::getName)
				.toList();
			assertThat(ours).isEmpty();
			assertThat(context.getBeansOfType(BeanPostProcessor.class).values())
				.noneMatch((processor) -> processor.getClass().getName().startsWith("io.zeroclaw."));
		});
	}

	@Test
	void everyListedAutoConfigurationShouldLoad() {
		assertThat(allAutoConfigurations()).hasSizeGreaterThanOrEqualTo(5);
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed());
	}

	static Class<?>[] allAutoConfigurations() {
		ClassLoader classLoader = ResilienceAutoConfigurationTests.class.getClassLoader();
		return ImportCandidates.load(AutoConfiguration.class, classLoader)
			.getCandidates()
			.stream()
			.filter((name) -> name.startsWith("io.zeroclaw."))
			.map((name) -> ClassUtils.resolveClassName(name, classLoader))
			.toArray(Class<?>[]::new);
	}

}
