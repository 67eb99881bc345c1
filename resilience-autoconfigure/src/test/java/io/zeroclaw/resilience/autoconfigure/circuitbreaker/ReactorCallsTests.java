package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ReactorCallsTests {

	private final CircuitBreaker breaker = new CircuitBreaker("llm", new CircuitBreakerConfig(1, Duration.ofMinutes(1), 1));

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

}
