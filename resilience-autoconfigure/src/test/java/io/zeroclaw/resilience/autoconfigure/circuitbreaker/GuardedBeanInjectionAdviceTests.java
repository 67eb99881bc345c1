package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The advice of the guarded-bean injection failure ("or leave it without a breaker:
 * zeroclaw.resilience.circuit-breaker.instances.NAME.enabled=false"), copied as the report prints it.
 */
@ExtendWith(OutputCaptureExtension.class)
class GuardedBeanInjectionAdviceTests {

	private static final Pattern ADVICE = Pattern.compile(
			"(zeroclaw\\.resilience\\.circuit-breaker\\.instances(?:\\.[A-Za-z0-9_-]+|\\[[^]]+])\\.enabled=false)");

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void adviceForABeanAskedForByItsAliasShouldLetTheApplicationStartWhenFollowed(CapturedOutput output) {
		String advice = advice(output, AliasConfiguration.class);
		// by the bean's own name: an alias names no instance
		assertThat(advice).isEqualTo("zeroclaw.resilience.circuit-breaker.instances.acme.enabled=false");
		this.runner.withUserConfiguration(AliasConfiguration.class)
			.withPropertyValues(advice)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ProviderClient.class));
	}

	@Test
	void adviceForAnImportedBeanShouldLetTheApplicationStartWhenFollowed(CapturedOutput output) {
		String advice = advice(output, ImportConfiguration.class);
		// in brackets: a class name's dots would split the key
		assertThat(advice).contains("instances[" + PlainFinalProvider.class.getName() + "].enabled=false");
		this.runner.withUserConfiguration(ImportConfiguration.class)
			.withPropertyValues(advice)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ProviderClient.class));
	}

	@Test
	void canonicalNameAndBracketedNameShouldLetTheApplicationStart() {
		// controls: what the advice would have to print for these two beans
		this.runner.withUserConfiguration(AliasConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.acme.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ProviderClient.class));
		this.runner.withUserConfiguration(ImportConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances[" + PlainFinalProvider.class.getName()
					+ "].enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ProviderClient.class));
	}

	/** Starts the application, which fails, and returns the property the report's action says to set. */
	private static String advice(CapturedOutput output, Class<?> configuration) {
		SpringApplication application = new SpringApplication(configuration, FailingApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setBannerMode(Banner.Mode.OFF);
		application.setListeners(List.of());
		String[] arguments = Arrays.stream(new String[] { "zeroclaw.resilience.circuit-breaker.enabled=true" })
			.map((property) -> "--" + property)
			.toArray(String[]::new);
		assertThatExceptionOfType(BeanCreationException.class).isThrownBy(() -> application.run(arguments));
		String all = output.getAll();
		int start = all.lastIndexOf("APPLICATION FAILED TO START");
		assertThat(start).as("a failure report in %s", all).isNotNegative();
		Matcher matcher = ADVICE.matcher(all.substring(start));
		assertThat(matcher.find()).as("advice in %s", all.substring(start)).isTrue();
		return matcher.group(1);
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class })
	static class FailingApplication {

	}

	static final class PlainFinalProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "acme";
		}

	}

	record ProviderClient(PlainFinalProvider provider) {
	}

	@Configuration(proxyBeanMethods = false)
	static class AliasConfiguration {

		@Bean({ "acme", "chat" })
		PlainFinalProvider acme() {
			return new PlainFinalProvider();
		}

		@Bean
		ProviderClient client(BeanFactory beanFactory) {
			// what @Resource(name = "chat") PlainFinalProvider does
			return new ProviderClient(beanFactory.getBean("chat", PlainFinalProvider.class));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@Import(PlainFinalProvider.class)
	static class ImportConfiguration {

		@Bean
		ProviderClient client(PlainFinalProvider provider) {
			return new ProviderClient(provider);
		}

	}

}
