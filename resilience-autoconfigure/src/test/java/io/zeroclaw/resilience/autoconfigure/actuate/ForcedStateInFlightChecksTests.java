package io.zeroclaw.resilience.autoconfigure.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerMetrics;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerStateChangePublisher;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerStateChangedEvent;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitKeyResolver;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * What a state forced through the endpoint does to calls already in flight: checks that hold today.
 */
class ForcedStateInFlightChecksTests {

	private static final Duration RECOVERY = Duration.ofSeconds(10);

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	private final CircuitBreakerRegistry registry = new CircuitBreakerRegistry();

	private final CircuitBreaker breaker = this.registry.computeIfAbsent("llm",
			(name) -> new CircuitBreaker(name, new CircuitBreakerConfig(2, RECOVERY, 1), this.clock::get));

	private final List<String> events = new CopyOnWriteArrayList<>();

	private final MeterRegistry meters = new SimpleMeterRegistry();

	ForcedStateInFlightChecksTests() {
		new CircuitBreakerStateChangePublisher(this.registry,
				(event) -> this.events.add(((CircuitBreakerStateChangedEvent) event).getFrom() + "->"
						+ ((CircuitBreakerStateChangedEvent) event).getTo()))
			.afterSingletonsInstantiated();
		new CircuitBreakerMetrics(this.registry, this.meters).afterSingletonsInstantiated();
	}

	@Test
	void probeThatFailsAfterAForcedCloseShouldNeitherReopenNorCountTowardsTheNewPeriod() throws Exception {
		halfOpen();
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Void> probe = CompletableFuture.runAsync(() -> {
			try {
				this.breaker.execute(() -> {
					started.countDown();
					await(release);
					throw new IllegalStateException("upstream down");
				});
			}
			catch (IllegalStateException ex) {
				// expected
			}
		});
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		this.events.clear();
		force("CLOSED");
		release.countDown();
		probe.get(5, TimeUnit.SECONDS);
		assertThat(this.breaker.state()).isEqualTo(CircuitState.CLOSED);
		assertThat(this.breaker.consecutiveFailures()).isZero();
		assertThat(this.events).containsExactly("HALF_OPEN->CLOSED");
		assertThat(gauge(CircuitState.CLOSED)).isEqualTo(1.0);
		assertThat(calls("failure")).isEqualTo(1.0);
	}

	@Test
	void probeThatSucceedsAfterAForcedOpenShouldNotCloseTheBreaker() {
		halfOpen();
		CircuitBreaker.Permission probe = this.breaker.acquirePermission();
		this.events.clear();
		force("OPEN");
		probe.onSuccess();
		assertThat(this.breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(this.events).containsExactly("HALF_OPEN->OPEN");
		assertThat(gauge(CircuitState.OPEN)).isEqualTo(1.0);
		assertThat(gauge(CircuitState.HALF_OPEN)).isZero();
	}

	@Test
	void successOfACallBegunWhileClosedShouldNotCloseAForcedOpenBreaker() {
		CircuitBreaker.Permission call = this.breaker.acquirePermission();
		force("OPEN");
		call.onSuccess();
		assertThat(this.breaker.state()).isEqualTo(CircuitState.OPEN);
		assertThat(this.events).containsExactly("CLOSED->OPEN");
	}

	@Test
	void failuresOfCallsBegunBeforeAForcedCloseShouldNotCountAfterIt() {
		CircuitBreaker.Permission first = this.breaker.acquirePermission();
		CircuitBreaker.Permission second = this.breaker.acquirePermission();
		first.onFailure(new IllegalStateException("down"));
		force("OPEN");
		force("CLOSED");
		second.onFailure(new IllegalStateException("down"));
		assertThat(this.breaker.consecutiveFailures()).isZero();
		assertThatIllegalStateException()
			.isThrownBy(() -> this.breaker.execute(() -> {
				throw new IllegalStateException("down");
			}));
		assertThat(this.breaker.state()).as("one failure of the new period, threshold 2")
			.isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void twoOperatorsForcingOpenAtOnceShouldMakeOneTransition() throws Exception {
		CountDownLatch go = new CountDownLatch(1);
		CompletableFuture<?> first = CompletableFuture.runAsync(() -> {
			await(go);
			force("OPEN");
		});
		CompletableFuture<?> second = CompletableFuture.runAsync(() -> {
			await(go);
			force("OPEN");
		});
		go.countDown();
		CompletableFuture.allOf(first, second).get(5, TimeUnit.SECONDS);
		assertThat(this.events).containsExactly("CLOSED->OPEN");
		assertThat(this.breaker.transitions()).isEqualTo(2);
	}

	private void halfOpen() {
		force("OPEN");
		this.clock.addAndGet(RECOVERY.toNanos());
		assertThat(this.breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
	}

	private void force(String state) {
		StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("registry", this.registry));
		new ResilienceEndpointWebExtension(new ResilienceEndpoint(new ResilienceProperties(),
				beans.getBeanProvider(RateLimitPolicies.class), beans.getBeanProvider(RateLimitKeyResolver.class),
				beans.getBeanProvider(CircuitBreakerRegistry.class),
				beans.getBeanProvider(BackpressureController.class)))
			.forceState("llm", state);
	}

	private double gauge(CircuitState state) {
		return this.meters.get(CircuitBreakerMetrics.STATE).tag("name", "llm").tag("state", state.name()).gauge()
			.value();
	}

	private double calls(String outcome) {
		return this.meters.get(CircuitBreakerMetrics.CALLS).tag("name", "llm").tag("outcome", outcome).counter()
			.count();
	}

	private static void await(CountDownLatch latch) {
		try {
			assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
