package io.zeroclaw.resilience.autoconfigure.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerStateChangePublisher;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerStateChangedEvent;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitKeyResolver;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerListener;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A breaker forced through the endpoint while calls are in flight, and the events and probes that follow.
 */
class ForcedStateInFlightTests {

	private static final Duration RECOVERY = Duration.ofSeconds(10);

	@Test
	void forcedOpeningShouldBePublishedBeforeTheHalfOpeningThatFollowsIt() {
		// each reading of the clock is a recovery timeout after the one before: a pause (GC, a slow log appender)
		// between the forced opening's swap and its log line, long enough for the breaker to half-open meanwhile
		AtomicLong ticks = new AtomicLong();
		LongSupplier clock = () -> ticks.getAndAdd(RECOVERY.toNanos());
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		CircuitBreaker breaker = registry.computeIfAbsent("llm",
				(name) -> new CircuitBreaker(name, new CircuitBreakerConfig(3, RECOVERY, 1), clock));
		List<String> published = new CopyOnWriteArrayList<>();
		CircuitBreakerStateChangePublisher publisher = new CircuitBreakerStateChangePublisher(registry,
				(event) -> published.add(describe((CircuitBreakerStateChangedEvent) event)));
		publisher.afterSingletonsInstantiated();
		List<String> heardAfter = new CopyOnWriteArrayList<>();
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				heardAfter.add(from + "->" + to);
			}

		});
		extension(registry).forceState("llm", "OPEN");
		assertThat(published).as("events published, in order").containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
		assertThat(heardAfter).as("transitions heard by a listener added after the publisher")
			.containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
		publisher.destroy();
	}

	@Test
	void listenerThatReadsTheStateAsDocumentedShouldNotReorderTheTransitionsOthersHear() {
		AtomicLong ticks = new AtomicLong();
		CircuitBreaker breaker = new CircuitBreaker("llm", new CircuitBreakerConfig(1, RECOVERY, 1),
				() -> ticks.getAndAdd(RECOVERY.toNanos()));
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				source.state(); // "a listener that needs the current state reads state()"
			}

		});
		List<String> heard = new CopyOnWriteArrayList<>();
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				heard.add(from + "->" + to);
			}

		});
		breaker.transitionToOpen();
		assertThat(heard).as("transitions heard on one thread").containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
	}

	@Test
	void readingTheConsecutiveFailuresShouldNotMoveAnExpiredOpenBreaker() {
		AtomicLong clock = new AtomicLong(1_000_000_000L);
		CircuitBreaker breaker = new CircuitBreaker("llm", new CircuitBreakerConfig(1, RECOVERY, 1), clock::get);
		List<String> heard = new CopyOnWriteArrayList<>();
		breaker.addListener(new CircuitBreakerListener() {

			@Override
			public void onStateTransition(CircuitBreaker source, CircuitState from, CircuitState to) {
				heard.add(from + "->" + to);
			}

		});
		breaker.execute(() -> "fine");
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> breaker.execute(() -> {
			throw new IllegalStateException("upstream down");
		}));
		clock.addAndGet(RECOVERY.toNanos());
		assertThat(breaker.consecutiveFailures()).isOne();
		assertThat(heard).as("transitions after reading the count").containsExactly("CLOSED->OPEN");
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		assertThat(heard).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
	}

	@Test
	void probeOfAnEarlierHalfOpenPeriodShouldTakeNoPlaceInTheNextAndLeaveItsOutcomeToItsOwnProbe() {
		AtomicLong clock = new AtomicLong(1_000_000_000L);
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		CircuitBreaker breaker = registry.computeIfAbsent("llm",
				(name) -> new CircuitBreaker(name, new CircuitBreakerConfig(1, RECOVERY, 1), clock::get));
		breaker.transitionToOpen();
		clock.addAndGet(RECOVERY.toNanos());
		CircuitBreaker.Permission slowProbe = breaker.acquirePermission();
		assertThat(slowProbe.admittedIn()).isEqualTo(CircuitState.HALF_OPEN);
		// the operator sees a slow probe and forces the breaker open; the probe is still out
		extension(registry).forceState("llm", "OPEN");
		clock.addAndGet(RECOVERY.toNanos());
		assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
		// half-open-max-requests counts per period (README): the new period has its own probe
		CircuitBreaker.Permission probe = breaker.acquirePermission();
		assertThatExceptionOfType(CircuitOpenException.class).as("a second probe of the new period")
			.isThrownBy(breaker::acquirePermission);
		slowProbe.onFailure(new IllegalStateException("the old probe's late answer"));
		assertThat(breaker.state()).as("after the late failure of the earlier period's probe")
			.isEqualTo(CircuitState.HALF_OPEN);
		probe.onSuccess();
		assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
	}

	private static String describe(CircuitBreakerStateChangedEvent event) {
		return event.getFrom() + "->" + event.getTo();
	}

	private static ResilienceEndpointWebExtension extension(CircuitBreakerRegistry registry) {
		StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("registry", registry));
		return new ResilienceEndpointWebExtension(new ResilienceEndpoint(new ResilienceProperties(),
				beans.getBeanProvider(RateLimitPolicies.class), beans.getBeanProvider(RateLimitKeyResolver.class),
				beans.getBeanProvider(CircuitBreakerRegistry.class),
				beans.getBeanProvider(BackpressureController.class)));
	}

}
