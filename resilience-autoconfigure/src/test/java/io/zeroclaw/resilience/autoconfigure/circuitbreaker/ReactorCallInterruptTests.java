package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatRuntimeException;

/**
 * A guarded {@code Flux} or {@code Mono} method that blocks before it returns its publisher (for a connection, a
 * permit) and throws {@code InterruptedException} on an interrupted thread: the breaker calls it at subscription
 * and hands the exception on as an error signal, so the interrupt its thrower cleared should be set again there.
 */
class ReactorCallInterruptTests {

	private final AtomicLong clock = new AtomicLong();

	private final CircuitBreaker breaker = new CircuitBreaker("llm",
			new CircuitBreakerConfig(1, Duration.ofMinutes(1), 1), this.clock::get);

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> RuntimeException sneaky(Throwable thrown) throws E {
		throw (E) thrown;
	}

	private static <T> T waitForRoom(T publisher) {
		try {
			new CountDownLatch(1).await();
		}
		catch (InterruptedException ex) {
			throw sneaky(ex);
		}
		return publisher;
	}

	@Test
	void interruptOfAFluxCallInterruptedBeforeItsPublisherShouldBeKept() {
		Flux<?> guarded = ReactorCalls.flux(this.breaker, () -> waitForRoom(Flux.just("a")));
		Thread.currentThread().interrupt();
		assertThatRuntimeException().isThrownBy(guarded::blockLast);
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(Thread.currentThread().isInterrupted()).as("interrupt status after the call").isTrue();
	}

	@Test
	void interruptOfAMonoCallInterruptedBeforeItsPublisherShouldBeKept() {
		Mono<?> guarded = ReactorCalls.mono(this.breaker, () -> waitForRoom(Mono.just("a")));
		Thread.currentThread().interrupt();
		assertThatRuntimeException().isThrownBy(guarded::block);
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(Thread.currentThread().isInterrupted()).as("interrupt status after the call").isTrue();
	}

}
