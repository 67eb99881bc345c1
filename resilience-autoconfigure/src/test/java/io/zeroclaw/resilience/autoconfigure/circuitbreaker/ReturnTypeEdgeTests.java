package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import io.zeroclaw.resilience.provider.StreamChunk;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * What the caller gets and what the breaker counts where the type of a call's result is not plain: type variables the
 * bean leaves open, a stream type of the client's own, a future that cannot be watched, an error arriving on a thread
 * interrupted for another reason.
 */
class ReturnTypeEdgeTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	/** A class-level type variable of the bean's own class: the caller casts to what it stands for. */
	@Test
	void typeVariableOfAGenericBeanClassShouldReachTheCallerAsItsType() {
		this.breakers.runner()
			.withBean("asker", GenericAsker.class, () -> new GenericAsker<ChatFuture<String>>(ChatFuture::new))
			.run((context) -> {
				@SuppressWarnings("unchecked")
				StageClient<ChatFuture<String>> asker = context.getBean(StageClient.class);
				ChatFuture<String> answer = asker.ask("hi");
				answer.complete("ok");
				assertThat(answer).isCompletedWithValue("ok");
			});
	}

	/** A method-level type variable ({@code <T extends CompletionStage<String>> T ask(...)}). */
	@Test
	void methodTypeVariableShouldReachTheCallerAsItsType() {
		this.breakers.runner().withBean("asker", MethodTypeVariableAsker.class, MethodTypeVariableAsker::new)
			.run((context) -> {
				MethodTypeVariableAsker asker = context.getBean(MethodTypeVariableAsker.class);
				ChatFuture<String> answer = asker.ask("hi", ChatFuture::new);
				answer.complete("ok");
				assertThat(answer).isCompletedWithValue("ok");
			});
	}

	/**
	 * A method declared to return a CompletionStage gets the breaker's copy: a stage that refuses whenComplete gives
	 * the half-open probe's place back, as one of the method's own type does.
	 */
	@Test
	void declaredStageThatCannotBeWatchedShouldGiveTheProbeBack() {
		this.breakers.runner().withBean("asker", ReadOnlyStageProvider.class, ReadOnlyStageProvider::new)
			.run((context) -> {
				ReadOnlyStageProvider asker = context.getBean(ReadOnlyStageProvider.class);
				CircuitBreaker breaker = this.breakers.halfOpen(context, "asker");
				try {
					asker.ask("hi");
				}
				catch (UnsupportedOperationException ex) {
					// refused by the stage itself
				}
				assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
				assertThat(asker.chatWithSystem(null, "hi", "m", 0)).as("the probe's place was given back")
					.isEqualTo("ok");
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			});
	}

	/** A provider whose stream method narrows Stream to its own stream type (as StreamEx does). */
	@Test
	void streamOfANarrowedStreamTypeShouldCountAFailureWhileIterating() {
		this.breakers.runner()
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withBean("streamer", NarrowedStreamProvider.class, NarrowedStreamProvider::new)
			.run((context) -> {
				Provider streamer = context.getBean(Provider.class);
				CircuitBreaker breaker = context
					.getBean(CircuitBreakerRegistry.class)
					.find("streamer")
					.orElseThrow();
				try (Stream<StreamChunk> chunks = streamer.streamChatWithSystem(null, "hi", "m", 0)) {
					assertThatIllegalStateException().isThrownBy(() -> chunks.forEach((chunk) -> {
					}));
				}
				assertThat(breaker.state()).as("an exception while iterating is a failure")
					.isEqualTo(CircuitState.OPEN);
			});
	}

	@Test
	void narrowedStreamNeverReadShouldLeaveTheHalfOpenProbeOut() {
		this.breakers.runner().withBean("streamer", NarrowedStreamProvider.class, NarrowedStreamProvider::new)
			.run((context) -> {
				Provider streamer = context.getBean(Provider.class);
				CircuitBreaker breaker = this.breakers.halfOpen(context, "streamer");
				streamer.streamChatWithSystem(null, "hi", "m", 0);
				assertThat(breaker.state()).as("nothing was read: no answer yet").isEqualTo(CircuitState.HALF_OPEN);
			});
	}

	/**
	 * The upstream's 500 comes back on a client's callback thread whose interrupt flag is set for a reason of its own:
	 * the same failure counts through a CompletableFuture method and is ignored through a Mono one.
	 */
	@Test
	void reactiveErrorDeliveredOnAnotherInterruptedThreadShouldCountAsAFailure() {
		this.breakers.runner()
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withBean("callbacks", CallbackClient.class, CallbackClient::new)
			.run((context) -> {
				CallbackClient client = context.getBean(CallbackClient.class);
				CircuitBreaker breaker = context
					.getBean(CircuitBreakerRegistry.class)
					.find("callbacks")
					.orElseThrow();
				assertThatExceptionOfType(CompletionException.class)
					.isThrownBy(() -> client.askFuture().join())
					.withCauseInstanceOf(IllegalStateException.class);
				assertThat(breaker.state()).as("through a future: counted").isEqualTo(CircuitState.OPEN);
				breaker.transitionToClosed();
				assertThatIllegalStateException().isThrownBy(() -> client.askMono().block());
				assertThat(breaker.state()).as("through a Mono: the same failure").isEqualTo(CircuitState.OPEN);
			});
	}

	static class CallbackClient extends AnsweringProvider {

		/** Completes the answer on the client's callback thread, which an earlier task left interrupted. */
		static CompletableFuture<String> failOnCallbackThread() {
			CompletableFuture<String> answer = new CompletableFuture<>();
			Thread callback = new Thread(() -> {
				while (answer.getNumberOfDependents() == 0) {
					Thread.onSpinWait(); // the answer comes once the caller listens for it
				}
				Thread.currentThread().interrupt(); // restored by earlier, unrelated work on this thread
				answer.completeExceptionally(new IllegalStateException("upstream answered 500"));
			}, "sdk-callback");
			callback.start();
			return answer;
		}

		public CompletableFuture<String> askFuture() {
			return failOnCallbackThread();
		}

		public Mono<String> askMono() {
			return Mono.fromFuture(CallbackClient::failOnCallbackThread);
		}

	}

	static class ChatFuture<T> extends CompletableFuture<T> {

	}

	interface StageClient<F extends CompletionStage<String>> {

		F ask(String message);

	}

	static class GenericAsker<F extends CompletionStage<String>> extends AnsweringProvider implements StageClient<F> {

		private final Supplier<F> factory;

		GenericAsker(Supplier<F> factory) {
			this.factory = factory;
		}

		@Override
		public F ask(String message) {
			return this.factory.get();
		}

	}

	static class MethodTypeVariableAsker extends AnsweringProvider {

		public <T extends CompletionStage<String>> T ask(String message, Supplier<T> factory) {
			return factory.get();
		}

	}

	static class ReadOnlyFuture<T> extends CompletableFuture<T> {

		@Override
		public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
			throw new UnsupportedOperationException("read-only future");
		}

	}

	static class ReadOnlyStageProvider extends AnsweringProvider {

		public CompletionStage<String> ask(String message) {
			return new ReadOnlyFuture<>();
		}

	}

	/** A stream type of the client's own, as StreamEx's. */
	interface ChunkStream<T> extends Stream<T> {

	}

	@SuppressWarnings("unchecked")
	static <T> ChunkStream<T> chunkStream(Stream<T> delegate) {
		return (ChunkStream<T>) Proxy.newProxyInstance(ChunkStream.class.getClassLoader(),
				new Class<?>[] { ChunkStream.class }, (proxy, method, args) -> {
					try {
						return method.invoke(delegate, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	static final class NarrowedStreamProvider extends AnsweringProvider {

		@Override
		public boolean supportsStreaming() {
			return true;
		}

		@Override
		public ChunkStream<StreamChunk> streamChatWithSystem(String systemPrompt, String message, String model,
				double temperature) {
			return chunkStream(Stream.of("a", "b").map((text) -> {
				if (text.equals("b")) {
					throw new IllegalStateException("upstream connection reset");
				}
				return StreamChunk.of(text);
			}));
		}

	}

}
