package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guarded call of one bean (a summariser) that reads the stream of another (a chat model whose stream is made, as
 * the reader asks for it, of the model's own blocking calls): the elements the stream makes when asked for are its
 * call's own code, run under the stream's permission, however many calls of other beans the reading thread is in.
 */
class StreamOfAnotherBeanInsideACallTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	@Test
	void halfOpenStreamReadInsideAnotherBeansCallShouldNotRefuseItsOwnCallsBack() {
		this.breakers.runner(Beans.class).run((context) -> {
			Provider summarizer = context.getBean("summarizer", Provider.class);
			CircuitBreaker chat = this.breakers.halfOpen(context, "chatModel");
			assertThat(summarizer.chatWithSystem(null, "hello", "m", 0)).isEqualTo("summary of [answer to hello]");
			assertThat(context.getBean(SelfStreamingChatModel.class).getUpstreamCalls()).isEqualTo(1);
			assertThat(chat.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class Beans {

		@Bean
		SelfStreamingChatModel chatModel(ObjectProvider<ChatModel> self) {
			return new SelfStreamingChatModel(self);
		}

		@Bean
		Provider summarizer(ObjectProvider<ChatModel> chatModel) {
			return (system, message, model, temperature) -> {
				List<String> texts = chatModel.getObject()
					.stream(new Prompt(message))
					.map((response) -> response.getResult().getOutput().getText())
					.collectList()
					.block();
				return "summary of " + texts;
			};
		}

	}

	/** Streams by asking itself, through its proxy, for each element when the reader asks for it. */
	public static class SelfStreamingChatModel implements ChatModel {

		private final AtomicInteger upstreamCalls = new AtomicInteger();

		private final ObjectProvider<ChatModel> self;

		SelfStreamingChatModel(ObjectProvider<ChatModel> self) {
			this.self = self;
		}

		@Override
		public ChatResponse call(Prompt prompt) {
			this.upstreamCalls.incrementAndGet();
			return new ChatResponse(
					List.of(new Generation(new AssistantMessage("answer to " + prompt.getContents()))));
		}

		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			return Flux.range(0, 1).map((i) -> this.self.getObject().call(prompt));
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

	}

}
