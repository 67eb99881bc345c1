package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;

import io.zeroclaw.resilience.autoconfigure.FailureAnalysisSupport;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring AI's model classes are final, so a guarded model is proxied by its interfaces: injecting it by its class
 * fails at start-up, and the report says why and what to do, rather than Spring Boot's advice to proxy classes.
 */
class GuardedBeanInjectionFailureAnalyzerTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(ModelConfiguration.class);

	@Test
	void injectingAGuardedFinalModelByItsClassShouldBeExplained() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true").run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("'openAiChatModel'")
				.contains(OpenAiChatModel.class.getName())
				.contains("circuit breaker")
				.contains("org.springframework.ai.chat.model.ChatModel");
			assertThat(analysis.getAction()).contains("org.springframework.ai.chat.model.ChatModel")
				.contains("zeroclaw.resilience.circuit-breaker.instances.openAiChatModel.enabled=false")
				.doesNotContain("proxyTargetClass");
		});
	}

	@Test
	void modelLeftWithoutABreakerShouldInjectByItsClass() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.openAiChatModel.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(Assistant.class));
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

}
