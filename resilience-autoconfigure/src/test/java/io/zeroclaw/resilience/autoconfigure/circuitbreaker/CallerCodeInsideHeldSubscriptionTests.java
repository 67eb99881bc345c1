package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The caller's own code downstream of a guarded {@code Flux} (an {@code onErrorResume} fallback, a {@code map} that
 * chains the next call) is not the call's code, even when the publisher signals synchronously on the subscribing
 * thread: a call it makes to the same bean is guarded on its own, refused while the breaker is open and counted.
 */
class CallerCodeInsideHeldSubscriptionTests {

	private final Upstream upstream = new Upstream();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withBean("flakyChatModel", FlakyChatModel.class, () -> new FlakyChatModel(this.upstream))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=30s");

	@Test
	void callersFallbackToTheBlockingCallShouldBeRefusedOnceTheFailedStreamOpenedTheBreaker() {
		this.contextRunner.run((context) -> {
			ChatModel model = context.getBean(ChatModel.class);
			Upstream upstream = this.upstream;
			CircuitBreaker breaker = breaker(context.getBean(CircuitBreakerRegistry.class));
			upstream.streamFails = true;
			Prompt prompt = new Prompt("hello");
			Flux<ChatResponse> answer = model.stream(prompt)
				.onErrorResume((streamFailure) -> Flux.just(model.call(prompt)));
			Throwable thrown = catchThrowable(answer::blockLast);
			assertThat(breaker.state()).as("breaker after the failed stream, failure-threshold 1")
				.isEqualTo(CircuitState.OPEN);
			SoftAssertions softly = new SoftAssertions();
			softly.assertThat(upstream.calls.get())
				.as("blocking calls that reached the upstream through the open breaker")
				.isZero();
			softly.assertThat(thrown).as("what the fallback call through the open breaker ended with")
				.isInstanceOf(CircuitOpenException.class);
			softly.assertAll();
		});
	}

	@Test
	void controlTheSameFallbackMadeAfterTheSubscriptionIsRefused() {
		// the same sequence, with the fallback call made by the caller after the stream's subscription returned
		this.contextRunner.run((context) -> {
			ChatModel model = context.getBean(ChatModel.class);
			Upstream upstream = this.upstream;
			upstream.streamFails = true;
			Prompt prompt = new Prompt("hello");
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> model.stream(prompt).blockLast());
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> model.call(prompt));
			assertThat(upstream.calls.get()).isZero();
		});
	}

	@Test
	void failureOfACallChainedOnAStreamsAnswerShouldCount() {
		this.contextRunner.run((context) -> {
			ChatModel model = context.getBean(ChatModel.class);
			Upstream upstream = this.upstream;
			CircuitBreaker breaker = breaker(context.getBean(CircuitBreakerRegistry.class));
			upstream.callFails = true;
			Prompt prompt = new Prompt("hello");
			// stream an answer, then ask the model (blocking) to summarise it: the summary call fails upstream
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> model.stream(prompt).collectList().map((chunks) -> model.call(prompt)).block());
			assertThat(upstream.calls.get()).isEqualTo(1);
			assertThat(breaker.state()).as("breaker after a failed call, failure-threshold 1")
				.isEqualTo(CircuitState.OPEN);
		});
	}

	private static CircuitBreaker breaker(CircuitBreakerRegistry registry) {
		return registry.find("flakyChatModel").orElseThrow();
	}

	/** Whether the stream (a blocking client wrapped in a Flux, no scheduler) or the blocking call fails. */
	static class Upstream {

		final AtomicInteger calls = new AtomicInteger();

		volatile boolean streamFails;

		volatile boolean callFails;

	}

	static class FlakyChatModel implements ChatModel {

		private final Upstream upstream;

		FlakyChatModel(Upstream upstream) {
			this.upstream = upstream;
		}

		@Override
		public ChatResponse call(Prompt prompt) {
			this.upstream.calls.incrementAndGet();
			if (this.upstream.callFails) {
				throw new IllegalStateException("upstream 503 on call");
			}
			return reply("answer");
		}

		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			return Flux.defer(() -> this.upstream.streamFails
					? Flux.error(new IllegalStateException("upstream 503 on stream"))
					: Flux.just(reply("ans"), reply("wer")));
		}

		private static ChatResponse reply(String text) {
			return new ChatResponse(List.of(new Generation(new AssistantMessage(text))));
		}

	}

}
