package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
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
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A half-open breaker's one probe (the default) and the calls the probe makes back into its own bean on its thread:
 * a blocking call that reads the bean's own stream or waits on its own future is one call, so the probe is not
 * refused by itself and a healthy upstream closes the breaker. A breaker that opens while the probe runs refuses
 * what then calls back (code that is not the call's own can run on its thread), and a Provider stream read up to its
 * last chunk has answered, closed or not.
 */
class HalfOpenProbeNestedCallTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	private final ApplicationContextRunner contextRunner = this.breakers.runner(Beans.class);

	@Test
	void modelWhoseCallReadsItsOwnStreamShouldCloseAHalfOpenBreaker() {
		this.contextRunner.run((context) -> {
			ChatModel model = context.getBean("selfStreamingModel", ChatModel.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "selfStreamingModel");
			assertThat(model.call(new Prompt("hi")).getResult().getOutput().getText()).isEqualTo("a b");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void providerWhoseCallWaitsOnItsOwnFutureShouldCloseAHalfOpenBreaker() {
		this.contextRunner.run((context) -> {
			SelfCallingProvider provider = context.getBean(SelfCallingProvider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "selfCallingProvider");
			assertThat(provider.simpleChat("async", "m", 0)).isEqualTo("async answer");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void providerWhoseCallReadsItsOwnStreamShouldCloseAHalfOpenBreaker() {
		this.contextRunner.run((context) -> {
			SelfCallingProvider provider = context.getBean(SelfCallingProvider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "selfCallingProvider");
			assertThat(provider.simpleChat("stream", "m", 0)).isEqualTo("ab");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void callBackAfterTheBreakerOpenedDuringTheCallShouldBeRefused() {
		this.contextRunner.run((context) -> {
			SelfCallingProvider provider = context.getBean(SelfCallingProvider.class);
			assertThat(provider.simpleChat("open-then-call-back", "m", 0)).isEqualTo("call back refused");
			assertThat(context.getBean(Beans.class).upstream).containsExactly("open-then-call-back");
		});
	}

	@Test
	void callBackAfterTheBreakerOpenedAndWentHalfOpenWhileAnotherProbeIsOutShouldBeRefused() {
		this.contextRunner.run((context) -> {
			SelfCallingProvider provider = context.getBean(SelfCallingProvider.class);
			assertThat(provider.simpleChat("reopened-probe-out", "m", 0)).isEqualTo("call back refused");
			assertThat(context.getBean(Beans.class).upstream).containsExactly("reopened-probe-out");
		});
	}

	@Test
	void callBackAfterTheBreakerOpenedAndWentHalfOpenShouldBeTheProbeItIs() {
		this.contextRunner.run((context) -> {
			SelfCallingProvider provider = context.getBean(SelfCallingProvider.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("selfCallingProvider")
				.orElseThrow();
			assertThat(provider.simpleChat("reopened-call-back-fails", "m", 0)).isEqualTo("fallback");
			assertThat(context.getBean(Beans.class).upstream).containsExactly("reopened-call-back-fails", "boom");
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		});
	}

	@Test
	void providerStreamReadUpToItsLastChunkShouldCloseAHalfOpenBreaker() {
		this.contextRunner.run((context) -> {
			Provider provider = context.getBean(SelfCallingProvider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "selfCallingProvider");
			// read up to the end marker, the stream left open
			List<String> text = provider.streamChatWithSystem(null, "x", "m", 0)
				.takeWhile((chunk) -> !chunk.last())
				.map(StreamChunk::delta)
				.toList();
			assertThat(text).containsExactly("a", "b");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void providerStreamClosedBeforeItsLastChunkShouldLeaveTheProbeUnanswered() {
		this.contextRunner.run((context) -> {
			Provider provider = context.getBean(SelfCallingProvider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "selfCallingProvider");
			try (Stream<StreamChunk> stream = provider.streamChatWithSystem(null, "x", "m", 0)) {
				assertThat(stream.findFirst()).map(StreamChunk::delta).hasValue("a");
				assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.simpleChat("x", "m", 0))
					.withMessageContaining("half-open")
					.satisfies((ex) -> assertThat(ex.retryAfter()).isEqualTo(Duration.ofSeconds(1)));
			}
		});
	}

	private static ChatResponse reply(String text) {
		return new ChatResponse(List.of(new Generation(new AssistantMessage(text))));
	}

	@Configuration(proxyBeanMethods = false)
	static class Beans {

		final List<String> upstream = new CopyOnWriteArrayList<>();

		@Bean
		ChatModel selfStreamingModel(BeanFactory beans) {
			return new ChatModel() {

				@Override
				public ChatResponse call(Prompt prompt) {
					// the blocking call built on the streaming one, through the bean's proxy
					ChatModel self = beans.getBean("selfStreamingModel", ChatModel.class);
					List<String> parts = self.stream(prompt)
						.map((response) -> response.getResult().getOutput().getText())
						.collectList()
						.block();
					return reply(String.join(" ", parts));
				}

				@Override
				public Flux<ChatResponse> stream(Prompt prompt) {
					return Flux.just(reply("a"), reply("b"));
				}

			};
		}

		@Bean
		SelfCallingProvider selfCallingProvider(BeanFactory beans) {
			return new SelfCallingProvider(beans, this.upstream);
		}

	}

	public static class SelfCallingProvider implements Provider {

		private final BeanFactory beans;

		private final List<String> upstream;

		public SelfCallingProvider(BeanFactory beans, List<String> upstream) {
			this.beans = beans;
			this.upstream = upstream;
		}

		private SelfCallingProvider self() {
			return this.beans.getBean(SelfCallingProvider.class);
		}

		public CompletableFuture<String> chatAsync(String message) {
			return CompletableFuture.completedFuture("async answer");
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstream.add(message);
			switch (message) {
				case "async":
					return self().chatAsync(message).join();
				case "stream":
					try (Stream<StreamChunk> chunks = self().streamChatWithSystem(null, message, model, temperature)) {
						return chunks.map(StreamChunk::delta).collect(Collectors.joining());
					}
				case "open-then-call-back":
					// other requests' failures open the breaker meanwhile, or an operator forces it open
					breaker().transitionToOpen();
					try {
						return self().simpleChat("call back", model, temperature);
					}
					catch (CircuitOpenException ex) {
						return "call back refused";
					}
				case "reopened-probe-out":
					// while this long call runs the breaker opens, its recovery timeout passes, and another request
					// takes the only probe and is still out
					breaker().transitionToOpen();
					this.beans.getBean(AtomicLong.class).addAndGet(ClockedBreakers.RECOVERY.toNanos());
					breaker().acquirePermission();
					try {
						return self().simpleChat("call back", model, temperature);
					}
					catch (CircuitOpenException ex) {
						return "call back refused";
					}
				case "reopened-call-back-fails":
					breaker().transitionToOpen();
					this.beans.getBean(AtomicLong.class).addAndGet(ClockedBreakers.RECOVERY.toNanos());
					try {
						return self().simpleChat("boom", model, temperature);
					}
					catch (IllegalStateException ex) {
						return "fallback";
					}
				case "boom":
					throw new IllegalStateException("upstream down");
				default:
					return "answer";
			}
		}

		private CircuitBreaker breaker() {
			return this.beans.getBean(CircuitBreakerRegistry.class).find("selfCallingProvider").orElseThrow();
		}

		@Override
		public boolean supportsStreaming() {
			return true;
		}

		@Override
		public Stream<StreamChunk> streamChatWithSystem(String systemPrompt, String message, String model,
				double temperature) {
			return Stream.of(StreamChunk.of("a"), StreamChunk.of("b"), StreamChunk.end());
		}

	}

}
