package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OutageGateTests {

	private static final long RETRY = Duration.ofSeconds(2).toNanos();

	private final AtomicLong clock = new AtomicLong(1_000);

	private final OutageGate gate = new OutageGate(3, RETRY, this.clock::get);

	@Test
	void gateShouldLetCallsThroughWhileFailuresStayBelowTheThreshold() {
		assertThat(this.gate.onFailure()).isFalse();
		assertThat(this.gate.onFailure()).isFalse();
		assertThat(this.gate.tryAcquire()).isTrue();
		assertThat(this.gate.nanosUntilRetry()).isZero();
	}

	@Test
	void successShouldResetTheCountOfConsecutiveFailures() {
		this.gate.onFailure();
		this.gate.onFailure();
		assertThat(this.gate.onSuccess()).isFalse();
		this.gate.onFailure();
		this.gate.onFailure();
		assertThat(this.gate.tryAcquire()).isTrue();
	}

	@Test
	void thresholdOfConsecutiveFailuresShouldCloseTheWayToRedisForTheRetryInterval() {
		open();
		assertThat(this.gate.tryAcquire()).isFalse();
		assertThat(this.gate.nanosUntilRetry()).isEqualTo(RETRY);
		this.clock.addAndGet(RETRY - 1);
		assertThat(this.gate.tryAcquire()).isFalse();
		assertThat(this.gate.nanosUntilRetry()).isEqualTo(1);
	}

	@Test
	void afterTheRetryIntervalOnlyOneProbeShouldBeLetThrough() {
		open();
		this.clock.addAndGet(RETRY);
		assertThat(this.gate.tryAcquire()).isTrue();
		assertThat(this.gate.tryAcquire()).isFalse();
	}

	@Test
	void successfulProbeShouldReopenTheWayToRedis() {
		open();
		this.clock.addAndGet(RETRY);
		this.gate.tryAcquire();
		assertThat(this.gate.onSuccess()).isTrue();
		assertThat(this.gate.tryAcquire()).isTrue();
		assertThat(this.gate.tryAcquire()).isTrue();
	}

	@Test
	void failedProbeShouldCloseTheWayForAnotherRetryInterval() {
		open();
		this.clock.addAndGet(RETRY);
		this.gate.tryAcquire();
		assertThat(this.gate.onFailure()).isTrue();
		assertThat(this.gate.tryAcquire()).isFalse();
		this.clock.addAndGet(RETRY);
		assertThat(this.gate.tryAcquire()).isTrue();
	}

	private void open() {
		this.gate.onFailure();
		this.gate.onFailure();
		assertThat(this.gate.onFailure()).isTrue();
	}

}
