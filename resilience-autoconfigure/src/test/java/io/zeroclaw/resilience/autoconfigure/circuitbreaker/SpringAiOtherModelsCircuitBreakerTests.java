package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.ai.audio.transcription.AudioTranscription;
import org.springframework.ai.audio.transcription.AudioTranscriptionResponse;
import org.springframework.ai.audio.transcription.TranscriptionModel;
import org.springframework.ai.audio.tts.Speech;
import org.springframework.ai.audio.tts.TextToSpeechModel;
import org.springframework.ai.audio.tts.TextToSpeechPrompt;
import org.springframework.ai.audio.tts.TextToSpeechResponse;
import org.springframework.ai.image.ImageModel;
import org.springframework.ai.image.ImagePrompt;
import org.springframework.ai.moderation.ModerationModel;
import org.springframework.ai.moderation.ModerationPrompt;
import org.springframework.ai.openai.OpenAiImageModel;
import org.springframework.ai.openai.OpenAiImageOptions;
import org.springframework.ai.openai.OpenAiModerationModel;
import org.springframework.ai.openai.OpenAiModerationOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Spring AI's models beside chat and embedding, as {@code spring-ai-starter-model-openai} defines them (image,
 * moderation, speech, transcription): each gets a breaker of its own. The image and moderation models run against a
 * real HTTP server that keeps failing.
 */
class SpringAiOtherModelsCircuitBreakerTests {

	private static MockWebServer server;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(OpenAiModelsConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=2");

	@BeforeEach
	void startServer() throws Exception {
		server = UpstreamServer.start();
	}

	@AfterEach
	void stopServer() {
		server.close();
	}

	@Test
	void everySpringAiModelBeanShouldGetABreaker() {
		this.contextRunner.run((context) -> assertThat(context.getBean(CircuitBreakerRegistry.class).breakers())
			.containsOnlyKeys("openAiImageModel", "openAiModerationModel", "speechModel", "transcriptionModel"));
	}

	@Test
	void speechAndTranscriptionShouldBeRefusedWhileTheirBreakersAreOpen() {
		this.contextRunner.run((context) -> {
			CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
			registry.find("speechModel").orElseThrow().transitionToOpen();
			registry.find("transcriptionModel").orElseThrow().transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> context.getBean(TextToSpeechModel.class).call("hello"));
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(
					() -> context.getBean(TranscriptionModel.class).transcribe(new ByteArrayResource(new byte[1])));
		});
	}

	@Test
	void aFailingImageModelShouldStopBeingCalledOnceItsBreakerOpens() {
		this.contextRunner.run((context) -> {
			ImageModel images = context.getBean(ImageModel.class);
			for (int i = 0; i < 5; i++) {
				server.enqueue(UpstreamServer.serverError());
			}
			for (int i = 0; i < 2; i++) {
				assertThatException().isThrownBy(() -> images.call(new ImagePrompt("a cat")));
			}
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> images.call(new ImagePrompt("a cat")));
			assertThat(server.getRequestCount()).isEqualTo(2);
		});
	}

	@Test
	void aFailingModerationModelShouldStopBeingCalledOnceItsBreakerOpens() {
		this.contextRunner.run((context) -> {
			ModerationModel moderation = context.getBean(ModerationModel.class);
			for (int i = 0; i < 5; i++) {
				server.enqueue(UpstreamServer.serverError());
			}
			for (int i = 0; i < 2; i++) {
				assertThatException().isThrownBy(() -> moderation.call(new ModerationPrompt("hello")));
			}
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> moderation.call(new ModerationPrompt("hello")));
			assertThat(server.getRequestCount()).isEqualTo(2);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class OpenAiModelsConfiguration {

		@Bean
		ImageModel openAiImageModel() {
			return new OpenAiImageModel(OpenAiImageOptions.builder()
				.baseUrl(server.url("/v1").toString())
				.apiKey("test-key")
				.maxRetries(0)
				.timeout(Duration.ofSeconds(10))
				.build());
		}

		@Bean
		TextToSpeechModel speechModel() {
			return new TextToSpeechModel() {

				@Override
				public TextToSpeechResponse call(TextToSpeechPrompt prompt) {
					return new TextToSpeechResponse(List.of(new Speech(new byte[] { 1 })));
				}

				@Override
				public Flux<TextToSpeechResponse> stream(TextToSpeechPrompt prompt) {
					return Flux.just(call(prompt));
				}

			};
		}

		@Bean
		TranscriptionModel transcriptionModel() {
			return (prompt) -> new AudioTranscriptionResponse(new AudioTranscription("hello"));
		}

		@Bean
		ModerationModel openAiModerationModel() {
			return OpenAiModerationModel.builder()
				.options(OpenAiModerationOptions.builder()
					.baseUrl(server.url("/v1").toString())
					.apiKey("test-key")
					.maxRetries(0)
					.timeout(Duration.ofSeconds(10))
					.build())
				.build();
		}

	}

}
