package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.aop.support.AopUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A call is judged by what the target's own method returns, not by the method the proxy was called through: a final
 * class (proxied by its interfaces) implementing a generic work interface returns a {@code Flux} or a future through
 * a method the interface erases to {@code Object}, and a method may return its own subtype of
 * {@code CompletableFuture}, which the breaker cannot swap for a copy.
 */
class ReturnTypeJudgementTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	private final FinalStreamingFunction streamer = new FinalStreamingFunction();

	@Test
	@SuppressWarnings("unchecked")
	void fluxThroughAnErasedWorkInterfaceShouldBeJudgedAtSubscription() {
		this.breakers.runner()
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withBean("streamer", FinalStreamingFunction.class, () -> this.streamer)
			.run((context) -> {
				Function<String, Flux<String>> streamer = (Function<String, Flux<String>>) context.getBean("streamer");
				assertThat(AopUtils.isJdkDynamicProxy(streamer)).isTrue();
				CircuitBreaker breaker = breaker(context.getBean(CircuitBreakerRegistry.class), "streamer");
				Flux<String> answer = streamer.apply("a");
				assertThat(breaker.state()).as("nothing went out yet").isEqualTo(CircuitState.CLOSED);
				assertThatIllegalStateException().isThrownBy(answer::blockLast);
				assertThat(breaker.state()).as("the failed subscription counts").isEqualTo(CircuitState.OPEN);
				int calls = this.streamer.upstreamCalls.get();
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(answer::blockLast);
				assertThat(this.streamer.upstreamCalls).hasValue(calls);
			});
	}

	@Test
	@SuppressWarnings("unchecked")
	void fluxThroughAnErasedWorkInterfaceNeverSubscribedShouldLeaveTheProbeOut() {
		this.breakers.runner()
			.withBean("streamer", FinalStreamingFunction.class, () -> this.streamer)
			.run((context) -> {
				Function<String, Flux<String>> streamer = (Function<String, Flux<String>>) context.getBean("streamer");
				CircuitBreaker breaker = this.breakers.halfOpen(context, "streamer");
				streamer.apply("a");
				assertThat(breaker.state()).as("no call went out").isEqualTo(CircuitState.HALF_OPEN);
				assertThat(this.streamer.upstreamCalls).hasValue(0);
			});
	}

	@Test
	@SuppressWarnings("unchecked")
	void futureThroughAnErasedWorkInterfaceShouldBeJudgedWhenItCompletes() {
		FinalAsyncSupplier target = new FinalAsyncSupplier();
		this.breakers.runner().withBean("asker", FinalAsyncSupplier.class, () -> target).run((context) -> {
			Supplier<CompletableFuture<String>> asker = (Supplier<CompletableFuture<String>>) context.getBean("asker");
			CircuitBreaker breaker = this.breakers.halfOpen(context, "asker");
			CompletableFuture<String> answer = asker.get();
			assertThat(breaker.state()).as("the probe is still out").isEqualTo(CircuitState.HALF_OPEN);
			target.pending.get()
				.completeExceptionally(new IllegalStateException("upstream answered 500"));
			assertThat(answer).isCompletedExceptionally();
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		});
	}

	@Test
	void futureOfItsOwnTypeShouldBeJudgedWhenItCompletes() {
		this.breakers.runner().withBean("asker", OwnFutureProvider.class, OwnFutureProvider::new).run((context) -> {
			OwnFutureProvider asker = context.getBean(OwnFutureProvider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "asker");
			ChatFuture<String> answer = asker.ask("hi");
			assertThat(breaker.state()).as("the probe is still out").isEqualTo(CircuitState.HALF_OPEN);
			assertThatExceptionOfType(CircuitOpenException.class).as("the only probe is out")
				.isThrownBy(() -> asker.ask("again"));
			answer.completeExceptionally(new IllegalStateException("upstream answered 500"));
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> asker.ask("while open"));
		});
	}

	@Test
	void futureOfItsOwnTypeCancelledShouldGiveTheProbeBack() {
		this.breakers.runner().withBean("asker", OwnFutureProvider.class, OwnFutureProvider::new).run((context) -> {
			OwnFutureProvider asker = context.getBean(OwnFutureProvider.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "asker");
			asker.ask("hi").cancel(true);
			assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
			asker.ask("again").complete("answer");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void fluxThroughAGenericSuperclassNeverSubscribedShouldLeaveTheProbeOut() {
		FinalFluxClient client = new FinalFluxClient();
		this.breakers.runner().withBean("client", FinalFluxClient.class, () -> client).run((context) -> {
			@SuppressWarnings("unchecked")
			Function<String, Flux<String>> function = (Function<String, Flux<String>>) context.getBean("client");
			CircuitBreaker breaker = this.breakers.halfOpen(context, "client");
			function.apply("a");
			assertThat(breaker.state()).as("no call went out").isEqualTo(CircuitState.HALF_OPEN);
			assertThat(function.apply("b").blockLast()).isEqualTo("b");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void interfaceDeclaringACompletableFutureShouldStillGetAFailedFutureWhileOpen() {
		this.breakers.runner().withBean("asker", NarrowingAsker.class, NarrowingAsker::new).run((context) -> {
			Asker asker = context.getBean(Asker.class);
			this.breakers.halfOpen(context, "asker").transitionToOpen();
			assertThat(asker.ask("hi")).failsWithin(Duration.ZERO)
				.withThrowableThat()
				.withCauseInstanceOf(CircuitOpenException.class);
		});
	}

	@Test
	@SuppressWarnings("unchecked")
	void futureOfItsOwnTypeThroughAnErasedWorkInterfaceShouldReachTheCallerAsItsType() {
		this.breakers.runner().withBean("asker", OwnFutureFunction.class, OwnFutureFunction::new).run((context) -> {
			Function<String, ChatFuture<String>> asker = (Function<String, ChatFuture<String>>) context
				.getBean("asker");
			CircuitBreaker breaker = this.breakers.halfOpen(context, "asker");
			ChatFuture<String> answer = asker.apply("hi");
			assertThat(breaker.state()).as("the probe is still out").isEqualTo(CircuitState.HALF_OPEN);
			answer.complete("answer");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void futureThatCannotBeWatchedShouldGiveTheProbeBack() {
		this.breakers.runner().withBean("asker", ReadOnlyFutureProvider.class, ReadOnlyFutureProvider::new)
			.run((context) -> {
				ReadOnlyFutureProvider asker = context.getBean(ReadOnlyFutureProvider.class);
				CircuitBreaker breaker = this.breakers.halfOpen(context, "asker");
				assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> asker.ask("hi"));
				assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
				assertThat(asker.chatWithSystem(null, "hi", "m", 0)).isEqualTo("ok");
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			});
	}

	private static CircuitBreaker breaker(CircuitBreakerRegistry registry, String name) {
		return registry.find(name).orElseThrow();
	}

	static final class FinalStreamingFunction extends AnsweringProvider implements Function<String, Flux<String>> {

		final AtomicInteger upstreamCalls = new AtomicInteger();

		@Override
		public Flux<String> apply(String text) {
			return Flux.defer(() -> {
				this.upstreamCalls.incrementAndGet();
				return Flux.error(new IllegalStateException("upstream answered 500"));
			});
		}

	}

	static final class FinalAsyncSupplier extends AnsweringProvider implements Supplier<CompletableFuture<String>> {

		final AtomicReference<CompletableFuture<String>> pending = new AtomicReference<>();

		@Override
		public CompletableFuture<String> get() {
			CompletableFuture<String> future = new CompletableFuture<>();
			this.pending.set(future);
			return future;
		}

	}

	static class ChatFuture<T> extends CompletableFuture<T> {

	}

	/** A client whose answer type its subclasses choose. */
	abstract static class FluxClient<T> extends AnsweringProvider implements Function<String, T> {

		@Override
		public T apply(String text) {
			return open(text);
		}

		abstract T open(String text);

	}

	static final class FinalFluxClient extends FluxClient<Flux<String>> {

		@Override
		Flux<String> open(String text) {
			return Flux.just(text);
		}

	}

	interface Asker {

		CompletableFuture<String> ask(String message);

	}

	static final class NarrowingAsker extends AnsweringProvider implements Asker {

		@Override
		public ChatFuture<String> ask(String message) {
			return new ChatFuture<>();
		}

	}

	static final class OwnFutureFunction extends AnsweringProvider implements Function<String, ChatFuture<String>> {

		@Override
		public ChatFuture<String> apply(String message) {
			return new ChatFuture<>();
		}

	}

	/** A future the client hands out read-only: nothing may be chained on it. */
	static class ReadOnlyFuture<T> extends CompletableFuture<T> {

		@Override
		public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
			throw new UnsupportedOperationException("read-only future");
		}

	}

	static class ReadOnlyFutureProvider extends AnsweringProvider {

		public ReadOnlyFuture<String> ask(String message) {
			return new ReadOnlyFuture<>();
		}

	}

	static class OwnFutureProvider extends AnsweringProvider {

		public ChatFuture<String> ask(String message) {
			return new ChatFuture<>();
		}

	}

}
