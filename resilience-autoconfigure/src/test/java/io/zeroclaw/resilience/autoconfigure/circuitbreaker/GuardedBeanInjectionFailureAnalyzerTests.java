package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.provider.Provider;
import jakarta.validation.constraints.NotBlank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
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
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.annotation.Validated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A bean that the breaker proxies by its interfaces (a final class, such as Spring AI's model classes, or one whose
 * final method implements an upstream method) cannot be injected by its class: start-up fails, and Spring Boot's
 * report says why and what to do, rather than its own advice to proxy classes. Run through {@link SpringApplication},
 * which hands the analyzers the failed context's bean factory, as a user's start-up does.
 */
@ExtendWith(OutputCaptureExtension.class)
class GuardedBeanInjectionFailureAnalyzerTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(ModelConfiguration.class);

	@Test
	void injectingAGuardedFinalModelByItsClassShouldBeExplained(CapturedOutput output) {
		String report = startUpFailureReport(output, ModelConfiguration.class,
				"zeroclaw.resilience.circuit-breaker.enabled=true");
		assertThat(report).contains("'openAiChatModel'")
			.contains(OpenAiChatModel.class.getName())
			.contains("guards it with a circuit breaker")
			.contains("cannot be subclassed")
			.contains("implements its interfaces only: org.springframework.ai.chat.model.ChatModel")
			.doesNotContain("org.springframework.aop.")
			.doesNotContain("DecoratingProxy")
			.contains("for example org.springframework.ai.chat.model.ChatModel")
			.contains("zeroclaw.resilience.circuit-breaker.instances.openAiChatModel.enabled=false")
			.doesNotContain("proxyTargetClass");
	}

	@Test
	void modelLeftWithoutABreakerShouldInjectByItsClass() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.openAiChatModel.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(Assistant.class));
	}

	@Test
	void finalProviderThatAnotherFeatureProxiesByItsInterfacesShouldNotBeBlamedOnItsBreaker(CapturedOutput output) {
		// method validation, told to proxy interfaces, proxies the final class by them; the breaker is off for it
		String report = startUpFailureReport(output, ValidatedFinalProviderConfiguration.class,
				"zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.instances.acme.enabled=false", "spring.aop.proxy-target-class=false");
		assertThat(report).contains("'acme'").doesNotContain("circuit breaker").doesNotContain("enabled=false");
	}

	@Test
	void injectingAGuardedProviderWithAFinalUpstreamMethodByItsClassShouldBeExplained(CapturedOutput output) {
		// not a final class, but its final chatWithSystem has the breaker proxy it by its interfaces all the same
		String report = startUpFailureReport(output, FinalMethodProviderConfiguration.class,
				"zeroclaw.resilience.circuit-breaker.enabled=true");
		assertThat(report).contains("'finalMethodProvider'")
			.contains("guards it with a circuit breaker")
			.contains("its final methods [chatWithSystem] implement interface methods")
			.contains("for example " + Provider.class.getName())
			.contains("zeroclaw.resilience.circuit-breaker.instances.finalMethodProvider.enabled=false")
			.doesNotContain("proxyTargetClass");
	}

	@Test
	void guardedFinalProviderAskedForByItsAliasShouldBeExplained(CapturedOutput output) {
		String report = startUpFailureReport(output, AliasConfiguration.class,
				"zeroclaw.resilience.circuit-breaker.enabled=true");
		assertThat(report).contains("'chat'").contains("guards it with a circuit breaker");
	}

	@Test
	void beanAskedForAsAClassItNeverWasShouldNotBeBlamedOnItsBreaker(CapturedOutput output) {
		String report = startUpFailureReport(output, WrongClassConfiguration.class,
				"zeroclaw.resilience.circuit-breaker.enabled=true");
		assertThat(report).contains("'acme'").doesNotContain("guards it with a circuit breaker");
	}

	/** Starts an application that fails, and returns the failure report Spring Boot printed. */
	private static String startUpFailureReport(CapturedOutput output, Class<?> configuration, String... properties) {
		SpringApplication application = new SpringApplication(configuration, FailingApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setBannerMode(Banner.Mode.OFF);
		// no listeners: the logging system of the whole test JVM stays as it is
		application.setListeners(List.of());
		String[] arguments = Arrays.stream(properties).map((property) -> "--" + property).toArray(String[]::new);
		assertThatExceptionOfType(BeanCreationException.class).isThrownBy(() -> application.run(arguments));
		String all = output.getAll();
		int start = all.indexOf("APPLICATION FAILED TO START");
		assertThat(start).as("a failure report in %s", all).isNotNegative();
		return all.substring(start);
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class,
			ValidationAutoConfiguration.class })
	static class FailingApplication {

	}

	@Configuration(proxyBeanMethods = false)
	static class ModelConfiguration {

		@Bean
		OpenAiChatModel openAiChatModel() {
			OpenAiChatOptions options = OpenAiChatOptions.builder()
				.baseUrl("http://127.0.0.1:9/v1")
				.apiKey("test-key")
				.model("gpt-4o-mini")
				.maxRetries(0)
				.timeout(Duration.ofSeconds(1))
				.build();
			return OpenAiChatModel.builder().options(options).build();
		}

		@Bean
		Assistant assistant(OpenAiChatModel model) {
			return new Assistant(model);
		}

	}

	record Assistant(OpenAiChatModel model) {
	}

	@Validated
	static final class AcmeProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, @NotBlank String message, String model,
				double temperature) {
			return "acme";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ValidatedFinalProviderConfiguration {

		@Bean
		AcmeProvider acme() {
			return new AcmeProvider();
		}

		@Bean
		AcmeClient acmeClient(AcmeProvider acme) {
			return new AcmeClient(acme);
		}

	}

	record AcmeClient(AcmeProvider provider) {
	}

	static class FinalMethodProvider implements Provider {

		@Override
		public final String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "reply";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FinalMethodProviderConfiguration {

		@Bean
		FinalMethodProvider finalMethodProvider() {
			return new FinalMethodProvider();
		}

		@Bean
		FinalMethodClient finalMethodClient(FinalMethodProvider provider) {
			return new FinalMethodClient(provider);
		}

	}

	record FinalMethodClient(FinalMethodProvider provider) {
	}

	/** A final provider, guarded by a proxy of its interfaces and nothing else. */
	static final class PlainFinalProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "acme";
		}

	}

	/** Another provider class, non-final, that the bean named acme never was. */
	static class OtherProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "other";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AliasConfiguration {

		@Bean({ "acme", "chat" })
		PlainFinalProvider acme() {
			return new PlainFinalProvider();
		}

		@Bean
		AcmeClientOf client(BeanFactory beanFactory) {
			// what @Resource(name = "chat") PlainFinalProvider does
			return new AcmeClientOf(beanFactory.getBean("chat", PlainFinalProvider.class));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class WrongClassConfiguration {

		@Bean
		PlainFinalProvider acme() {
			return new PlainFinalProvider();
		}

		@Bean
		AcmeClientOf client(BeanFactory beanFactory) {
			// a mistake of the user's: acme never was an OtherProvider, with its breaker or without
			return new AcmeClientOf(beanFactory.getBean("acme", OtherProvider.class));
		}

	}

	record AcmeClientOf(Provider provider) {
	}

}
