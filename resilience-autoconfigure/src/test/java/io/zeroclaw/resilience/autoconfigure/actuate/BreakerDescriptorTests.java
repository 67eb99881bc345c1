package io.zeroclaw.resilience.autoconfigure.actuate;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.BreakerDescriptor;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the endpoint reports of a breaker comes from one reading: an open breaker always has time left, even when the
 * recovery timeout ends while the report is being made.
 */
class BreakerDescriptorTests {

	@Test
	void openBreakerShouldAlwaysBeReportedWithTimeLeft() {
		Duration recovery = Duration.ofSeconds(30);
		long micro = 1_000;
		for (long before = 0; before <= 5; before++) {
			// every reading of this clock moves it on a microsecond
			AtomicLong clock = new AtomicLong(1_000_000_000L);
			CircuitBreaker breaker = new CircuitBreaker("llm", new CircuitBreakerConfig(5, recovery, 1),
					() -> clock.getAndAdd(micro), (ex) -> false);
			breaker.transitionToOpen();
			clock.addAndGet(recovery.toNanos() - before * micro);
			BreakerDescriptor descriptor = BreakerDescriptor.of(breaker);
			if (descriptor.state() == CircuitState.OPEN) {
				assertThat(descriptor.retryAfterSeconds()).as("%d us before recovery", before).isPositive();
			}
			else {
				assertThat(descriptor.retryAfterSeconds()).isZero();
			}
		}
	}

}
