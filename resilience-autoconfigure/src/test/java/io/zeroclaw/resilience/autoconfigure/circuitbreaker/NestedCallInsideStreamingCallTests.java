package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import io.zeroclaw.resilience.provider.StreamChunk;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A streaming call whose code, on the caller's thread, calls back into the same bean through its proxy (a tool the
 * model runs while it streams its answer): the call back is part of the streaming call and runs under its permission,
 * so that a half-open breaker's single probe does not refuse it.
 */
class NestedCallInsideStreamingCallTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	private final ApplicationContextRunner contextRunner = this.breakers.runner(ModelsConfiguration.class);

	@Test
	void halfOpenProbeThatStreamsShouldNotRefuseItsOwnToolCallBackIntoTheSameProvider() {
		this.contextRunner.run((context) -> {
			Provider assistant = context.getBean("streamingAssistant", Provider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "streamingAssistant");
			List<String> chunks;
			try (Stream<StreamChunk> stream = assistant.streamChatWithSystem(null, "tool:weather", "m", 0)) {
				chunks = stream.map(StreamChunk::delta).toList();
			}
			assertThat(String.join("", chunks)).isEqualTo("used weather: answer to weather");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void controlHalfOpenProbeThatStreamsWithoutAToolCloses() {
		// the streaming probe alone is admitted and closes the breaker
		this.contextRunner.run((context) -> {
			Provider assistant = context.getBean("streamingAssistant", Provider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "streamingAssistant");
			try (Stream<StreamChunk> stream = assistant.streamChatWithSystem(null, "weather", "m", 0)) {
				assertThat(stream.map(StreamChunk::delta).toList()).contains("answer to weather");
			}
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void halfOpenProbeThatStreamsShouldNotRefuseItsOwnToolCallBackIntoTheSameChatModel() {
		this.contextRunner.run((context) -> {
			ChatModel model = context.getBean(ChatModel.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "toolUsingChatModel");
			// subscribed on this thread, with no scheduler: the model's work and its tool run here
			assertThat(model.stream("tool:weather").collectList().block())
				.containsExactly("used weather: answer to weather");
			assertThat(context.getBean(ToolUsingChatModel.class).getUpstreamCalls()).isEqualTo(2);
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class ModelsConfiguration {

		@Bean
		StreamingAssistant streamingAssistant(ObjectProvider<Provider> self) {
			return new StreamingAssistant(self);
		}

		@Bean
		ToolUsingChatModel toolUsingChatModel(ObjectProvider<ChatModel> self) {
			return new ToolUsingChatModel(self);
		}

	}

	/** Streams for real; a "tool:" question runs a tool that asks this provider again, through its proxy. */
	static class StreamingAssistant implements Provider {

		private final ObjectProvider<Provider> self;

		StreamingAssistant(ObjectProvider<Provider> self) {
			this.self = self;
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "answer to " + message;
		}

		@Override
		public boolean supportsStreaming() {
			return true;
		}

		@Override
		public Stream<StreamChunk> streamChatWithSystem(String systemPrompt, String message, String model,
				double temperature) {
			String reply = message.startsWith("tool:") ? runTool(message.substring("tool:".length()), model)
					: chatWithSystem(systemPrompt, message, model, temperature);
			return Stream.of(StreamChunk.of(reply), StreamChunk.end());
		}

		private String runTool(String question, String model) {
			return "used " + question + ": " + this.self.getObject().chatWithSystem(null, question, model, 0);
		}

	}

	/** A chat model that streams; a "tool:" prompt runs a tool that asks this model again, through its proxy. */
	static class ToolUsingChatModel implements ChatModel {

		private final AtomicInteger upstreamCalls = new AtomicInteger();

		private final ObjectProvider<ChatModel> self;

		ToolUsingChatModel(ObjectProvider<ChatModel> self) {
			this.self = self;
		}

		@Override
		public ChatResponse call(Prompt prompt) {
			this.upstreamCalls.incrementAndGet();
			return reply("answer to " + prompt.getContents());
		}

		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			return Flux.defer(() -> {
				this.upstreamCalls.incrementAndGet();
				String question = prompt.getContents();
				if (question.startsWith("tool:")) {
					String asked = question.substring("tool:".length());
					return Flux.just(reply("used " + asked + ": " + this.self.getObject().call(asked)));
				}
				return Flux.just(reply("answer to " + question));
			});
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

		private static ChatResponse reply(String text) {
			return new ChatResponse(List.of(new Generation(new AssistantMessage(text))));
		}

	}

}
