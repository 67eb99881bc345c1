package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import io.zeroclaw.resilience.provider.StreamChunk;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.aop.support.AopUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The breaker's result-type rules on rarer shapes: one method declared by two interfaces, a publisher type variable
 * left open, a client generated as a JDK proxy, nested generic bindings.
 */
class ResultTypeRulesTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	/**
	 * A final class implementing two interfaces that declare the same method, one as a CompletionStage and one as the
	 * client's own future type: a JDK proxy hands the advice the foremost interface's Method whichever interface the
	 * caller used, so the caller of the narrower one gets the breaker's CompletableFuture.
	 */
	@Test
	void sameMethodInTwoInterfacesShouldReachTheCallerOfTheNarrowerOneAsItsType() {
		this.breakers.runner().withBean("asker", TwoFaceAsker.class, TwoFaceAsker::new).run((context) -> {
			Object bean = context.getBean("asker");
			assertThat(AopUtils.isJdkDynamicProxy(bean)).isTrue();
			@SuppressWarnings("unchecked")
			ChatAsker<ChatFuture<String>> asker = (ChatAsker<ChatFuture<String>>) bean;
			ChatFuture<String> answer = asker.ask("hi"); // ClassCastException inside the JDK proxy
			answer.complete("ok");
			assertThat(answer).isCompletedWithValue("ok");
		});
	}

	/** The same with a Stream type of the client's own. */
	@Test
	void sameStreamMethodInTwoInterfacesShouldReachTheCallerOfTheNarrowerOneAsItsType() {
		this.breakers.runner().withBean("streamer", TwoFaceStreamer.class, TwoFaceStreamer::new).run((context) -> {
			@SuppressWarnings("unchecked")
			ChunkStreamer<ChunkStream<StreamChunk>> streamer = (ChunkStreamer<ChunkStream<StreamChunk>>) context
				.getBean("streamer");
			try (ChunkStream<StreamChunk> chunks = streamer.chunks("hi")) {
				assertThat(chunks.count()).isEqualTo(1);
			}
		});
	}

	/**
	 * An upstream bean whose implementation a client library generates from an interface (a JDK proxy, as Feign or
	 * Retrofit make): a Flux through the erased Function.apply is judged when it returns, so a never-subscribed
	 * Flux closes a half-open breaker, as 997297c fixed for a final class.
	 */
	@Test
	void fluxOfAGeneratedClientThroughAnErasedWorkInterfaceNeverSubscribedShouldLeaveTheProbeOut() {
		AtomicInteger upstreamCalls = new AtomicInteger();
		this.breakers.runner()
			.withBean("client", FluxClientApi.class, () -> generatedClient(upstreamCalls))
			.run((context) -> {
				@SuppressWarnings("unchecked")
				Function<String, Flux<String>> client = (Function<String, Flux<String>>) context.getBean("client");
				CircuitBreaker breaker = this.breakers.halfOpen(context, "client");
				client.apply("a");
				assertThat(breaker.state()).as("no call went out").isEqualTo(CircuitState.HALF_OPEN);
			});
	}

	@Test
	void fluxOfAGeneratedClientThroughAnErasedWorkInterfaceShouldCountItsFailure() {
		AtomicInteger upstreamCalls = new AtomicInteger();
		this.breakers.runner()
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withBean("client", FluxClientApi.class, () -> generatedClient(upstreamCalls))
			.run((context) -> {
				@SuppressWarnings("unchecked")
				Function<String, Flux<String>> client = (Function<String, Flux<String>>) context.getBean("client");
				CircuitBreaker breaker = context
					.getBean(io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry.class)
					.find("client")
					.orElseThrow();
				Flux<String> answer = client.apply("a");
				try {
					answer.blockLast();
				}
				catch (IllegalStateException expected) {
					// the upstream's 500
				}
				assertThat(breaker.state()).as("the failed subscription counts").isEqualTo(CircuitState.OPEN);
			});
	}

	/**
	 * A class-level type variable bounded by Publisher, which the bean's class leaves open (as e9ead9d's future
	 * case): the caller that made it for a Mono casts the result to Mono, and gets the breaker's Flux.
	 */
	@Test
	void publisherTypeVariableLeftOpenShouldReachTheCallerAsItsType() {
		this.breakers.runner()
			.withBean("client", PublisherClient.class, () -> new PublisherClient<Mono<String>>(() -> Mono.just("ok")))
			.run((context) -> {
				@SuppressWarnings("unchecked")
				Function<String, Mono<String>> client = (Function<String, Mono<String>>) context.getBean("client");
				Mono<String> answer = client.apply("hi");
				assertThat(answer.block()).isEqualTo("ok");
			});
	}

	/** The same with a method-level type variable. */
	@Test
	void publisherMethodTypeVariableShouldReachTheCallerAsItsType() {
		this.breakers.runner()
			.withBean("client", MethodPublisherClient.class, MethodPublisherClient::new)
			.run((context) -> {
				MethodPublisherClient client = context.getBean(MethodPublisherClient.class);
				Mono<String> answer = client.ask("hi", () -> Mono.just("ok"));
				assertThat(answer.block()).isEqualTo("ok");
			});
	}

	/** Control: nested generic bindings, a future of the client's own type through an erased work interface. */
	@Test
	void nestedBindingsShouldReachTheCallerAsItsType() {
		this.breakers.runner().withBean("asker", NestedAsker.class, NestedAsker::new).run((context) -> {
			@SuppressWarnings("unchecked")
			Function<String, ChatFuture<String>> asker = (Function<String, ChatFuture<String>>) context
				.getBean("asker");
			ChatFuture<String> answer = asker.apply("hi");
			answer.complete("ok");
			assertThat(answer).isCompletedWithValue("ok");
			NestedFluxAsker fluxAsker = new NestedFluxAsker();
			assertThat(fluxAsker).isNotNull();
		});
	}

	/** Control: nested generic bindings to a Flux, a CGLIB proxy (non-final class): judged at subscription. */
	@Test
	void nestedFluxBindingsNeverSubscribedShouldLeaveTheProbeOut() {
		this.breakers.runner().withBean("asker", NestedFluxAsker.class, NestedFluxAsker::new).run((context) -> {
			NestedFluxAsker asker = context.getBean(NestedFluxAsker.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "asker");
			asker.apply("hi");
			assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		});
	}

	abstract static class Base<Y> extends AnsweringProvider implements Function<String, Y> {

		abstract Y make();

		@Override
		public Y apply(String message) {
			return make();
		}

	}

	abstract static class Middle<X> extends Base<X> {

	}

	static final class NestedAsker extends Middle<ChatFuture<String>> {

		@Override
		ChatFuture<String> make() {
			return new ChatFuture<>();
		}

	}

	static class NestedFluxAsker extends Middle<Flux<String>> {

		@Override
		Flux<String> make() {
			return Flux.defer(() -> Flux.just("a"));
		}

	}

	static final class PublisherClient<P extends Publisher<String>> extends AnsweringProvider
			implements Function<String, P> {

		private final Supplier<P> factory;

		PublisherClient(Supplier<P> factory) {
			this.factory = factory;
		}

		@Override
		public P apply(String message) {
			return this.factory.get();
		}

	}

	static class MethodPublisherClient extends AnsweringProvider {

		public <P extends Publisher<String>> P ask(String message, Supplier<P> factory) {
			return factory.get();
		}

	}

	static FluxClientApi generatedClient(AtomicInteger upstreamCalls) {
		return GeneratedClients.generated(FluxClientApi.class, () -> Flux.defer(() -> {
			upstreamCalls.incrementAndGet();
			return Flux.error(new IllegalStateException("upstream answered 500"));
		}));
	}

	public interface FluxClientApi extends Provider, Function<String, Flux<String>> {

	}

	public static class ChatFuture<T> extends CompletableFuture<T> {

	}

	public interface StageAsker {

		CompletionStage<String> ask(String message);

	}

	public interface ChatAsker<F extends CompletionStage<String>> {

		F ask(String message);

	}

	static final class TwoFaceAsker extends AnsweringProvider implements StageAsker, ChatAsker<ChatFuture<String>> {

		@Override
		public ChatFuture<String> ask(String message) {
			return new ChatFuture<>();
		}

	}

	public interface ChunkStream<T> extends Stream<T> {

	}

	@SuppressWarnings("unchecked")
	static <T> ChunkStream<T> chunkStream(Stream<T> delegate) {
		return (ChunkStream<T>) Proxy.newProxyInstance(ChunkStream.class.getClassLoader(),
				new Class<?>[] { ChunkStream.class }, (proxy, method, args) -> {
					try {
						return method.invoke(delegate, args);
					}
					catch (java.lang.reflect.InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	public interface PlainStreamer {

		Stream<StreamChunk> chunks(String message);

	}

	public interface ChunkStreamer<S extends Stream<StreamChunk>> {

		S chunks(String message);

	}

	static final class TwoFaceStreamer extends AnsweringProvider
			implements PlainStreamer, ChunkStreamer<ChunkStream<StreamChunk>> {

		@Override
		public ChunkStream<StreamChunk> chunks(String message) {
			return chunkStream(Stream.of(StreamChunk.of("a")));
		}

	}

}
