package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.api.Test;

import org.springframework.ai.audio.transcription.AudioTranscription;
import org.springframework.ai.audio.transcription.AudioTranscriptionResponse;
import org.springframework.ai.audio.transcription.TranscriptionModel;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Spring AI models that only answer whole calls: every streaming method they leave as their interfaces' default
 * answers {@code UnsupportedOperationException} locally, and says so even while the breaker is open, instead of being
 * refused (and counted as a rejection). Their calls are guarded.
 */
class SpringAiModelsThatDoNotStreamTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(CallOnlyModels.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void streamingAChatModelThatDoesNotStreamShouldSaySoWhileItsBreakerIsOpen() {
		this.contextRunner.run((context) -> {
			ChatModel chat = context.getBean(ChatModel.class);
			context.getBean(CircuitBreakerRegistry.class).find("callOnlyChatModel").orElseThrow().transitionToOpen();
			assertThatExceptionOfType(UnsupportedOperationException.class)
				.isThrownBy(() -> chat.stream(new Prompt("hi")));
			assertThatExceptionOfType(UnsupportedOperationException.class)
				.isThrownBy(() -> chat.stream("hi").blockLast());
			assertThatExceptionOfType(UnsupportedOperationException.class)
				.isThrownBy(() -> chat.stream(new UserMessage("hi")).blockLast());
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> chat.call("hi"));
		});
	}

	@Test
	void streamingATranscriptionModelThatDoesNotStreamShouldSaySoWhileItsBreakerIsOpen() {
		this.contextRunner.run((context) -> {
			TranscriptionModel transcription = context.getBean(TranscriptionModel.class);
			context.getBean(CircuitBreakerRegistry.class).find("callOnlyTranscriptionModel").orElseThrow()
				.transitionToOpen();
			ByteArrayResource audio = new ByteArrayResource(new byte[1]);
			assertThatExceptionOfType(UnsupportedOperationException.class)
				.isThrownBy(() -> transcription.streamTranscribe(audio).blockLast());
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> transcription.transcribe(audio));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class CallOnlyModels {

		@Bean
		ChatModel callOnlyChatModel() {
			return (prompt) -> new ChatResponse(List.of(new Generation(new AssistantMessage("hello"))));
		}

		@Bean
		TranscriptionModel callOnlyTranscriptionModel() {
			return (prompt) -> new AudioTranscriptionResponse(new AudioTranscription("hello"));
		}

	}

}
