package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class ReactorCallsTests {

	private static final Duration RECOVERY = Duration.ofMinutes(1);

	private final AtomicLong clock = new AtomicLong();

	private final CircuitBreaker breaker = new CircuitBreaker("llm", new CircuitBreakerConfig(1, RECOVERY, 1),
			this.clock::get);

	@Test
	void fluxMethodReturningNullShouldCountAsAFailure() {
		Flux<?> guarded = ReactorCalls.flux(this.breaker, () -> null);
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(guarded::blockLast)
			.withMessageContaining("returned null");
		assertThat(this.breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void monoMethodReturningNullShouldCountAsAFailure() {
		Mono<?> guarded = ReactorCalls.mono(this.breaker, () -> null);
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(guarded::block)
			.withMessageContaining("returned null");
		assertThat(this.breaker.state()).isEqualTo(CircuitState.OPEN);
	}

	@Test
	void completedFluxShouldCountAsASuccessAndLeaveTheBreakerClosed() {
		assertThat(ReactorCalls.flux(this.breaker, () -> Flux.just("a", "b")).count().block()).isEqualTo(2);
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void fluxCancelledAfterAnElementShouldCountAsASuccess() {
		halfOpen();
		Flux<?> guarded = ReactorCalls.flux(this.breaker, () -> Flux.just("a", "b", "c"));
		assertThat(guarded.take(1).count().block()).isEqualTo(1);
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void fluxCancelledAfterAnElementShouldResetTheFailureCount() {
		CircuitBreaker breaker = new CircuitBreaker("llm", new CircuitBreakerConfig(2, RECOVERY, 1), this.clock::get);
		failOnce(breaker);
		assertThat(ReactorCalls.flux(breaker, () -> Flux.just("a", "b")).next().block()).isEqualTo("a");
		failOnce(breaker);
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void fluxCancelledBeforeAnElementShouldGiveTheProbeBack() {
		halfOpen();
		Sinks.Many<String> upstream = Sinks.many().unicast().onBackpressureBuffer();
		Disposable subscription = ReactorCalls.flux(this.breaker, upstream::asFlux).subscribe();
		assertThatExceptionOfType(CircuitOpenException.class)
			.isThrownBy(() -> ReactorCalls.flux(this.breaker, () -> Flux.just("x")).blockLast());
		subscription.dispose();
		assertThat(this.breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(ReactorCalls.flux(this.breaker, () -> Flux.just("x")).blockLast()).isEqualTo("x");
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void monoCancelledBeforeItsValueShouldGiveTheProbeBack() {
		halfOpen();
		Sinks.One<String> upstream = Sinks.one();
		Disposable subscription = ReactorCalls.mono(this.breaker, upstream::asMono).subscribe();
		assertThatExceptionOfType(CircuitOpenException.class)
			.isThrownBy(() -> ReactorCalls.mono(this.breaker, () -> Mono.just("x")).block());
		subscription.dispose();
		assertThat(this.breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(ReactorCalls.mono(this.breaker, () -> Mono.just("x")).block()).isEqualTo("x");
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void callersContextShouldReachTheGuardedPublisher() {
		Mono<String> mono = ReactorCalls.mono(this.breaker,
				() -> Mono.deferContextual((context) -> Mono.just(context.<String>get("user"))))
			.cast(String.class);
		assertThat(mono.contextWrite(Context.of("user", "alice")).block()).isEqualTo("alice");
		Flux<String> flux = ReactorCalls.flux(this.breaker,
				() -> Flux.deferContextual((context) -> Flux.just(context.<String>get("user"))))
			.cast(String.class);
		assertThat(flux.contextWrite(Context.of("user", "bob")).blockLast()).isEqualTo("bob");
	}

	@Test
	void fluxProbeInterruptedWhileMakingItsCallShouldGiveItsPlaceBack() {
		halfOpen();
		Flux<?> interrupted = ReactorCalls.flux(this.breaker, ReactorCallsTests::interruptedWhileConnecting);
		try {
			assertThatIllegalStateException().isThrownBy(interrupted::blockLast);
		}
		finally {
			Thread.interrupted();
		}
		assertThat(this.breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(ReactorCalls.flux(this.breaker, () -> Flux.just("x")).blockLast()).isEqualTo("x");
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void monoProbeInterruptedWhileMakingItsCallShouldGiveItsPlaceBack() {
		halfOpen();
		Mono<?> interrupted = ReactorCalls.mono(this.breaker, ReactorCallsTests::interruptedWhileConnecting);
		try {
			assertThatIllegalStateException().isThrownBy(interrupted::block);
		}
		finally {
			Thread.interrupted();
		}
		assertThat(this.breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(ReactorCalls.mono(this.breaker, () -> Mono.just("x")).block()).isEqualTo("x");
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void fluxFailingOnTheSubscribingThreadWhileInterruptedShouldGiveItsPlaceBack() {
		halfOpen();
		Flux<?> interrupted = ReactorCalls.flux(this.breaker,
				() -> Flux.defer(() -> Flux.error(new IllegalStateException("interrupted", interruptedNow()))));
		try {
			assertThatIllegalStateException().isThrownBy(interrupted::blockLast);
		}
		finally {
			Thread.interrupted();
		}
		assertThat(this.breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
	}

	private static Throwable interruptedNow() {
		Thread.currentThread().interrupt();
		return new IllegalStateException("the client's own exception, without an InterruptedException");
	}

	/** What an I/O client does when its thread is interrupted while it waits: an exception of its own. */
	private static Object interruptedWhileConnecting() {
		Thread.currentThread().interrupt();
		throw new IllegalStateException("interrupted while connecting to the upstream");
	}

	private void halfOpen() {
		this.breaker.transitionToOpen();
		this.clock.addAndGet(RECOVERY.toNanos());
	}

	private static void failOnce(CircuitBreaker breaker) {
		Flux<?> failing = ReactorCalls.flux(breaker, () -> Flux.error(new IllegalStateException("upstream down")));
		assertThatIllegalStateException().isThrownBy(failing::blockLast);
	}

}
