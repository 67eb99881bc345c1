package io.zeroclaw.resilience.ratelimit.redis;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Stops a limiter asking Redis for a while after repeated failures, so that a dead Redis costs a request no latency:
 * a three-state breaker reduced to what the limiter needs. Closed while fewer than {@code threshold} consecutive
 * calls failed; then open for {@code retryNanos}, when every caller goes straight to the fallback; then one caller at
 * a time probes Redis, and a success closes the gate while a failure opens it again.
 * <p>
 * The common path, Redis answering, costs one volatile read in {@link #tryAcquire()} and one in {@link #onSuccess()};
 * nothing is written until something fails. Races between concurrent failures and probes can at worst let one extra
 * probe through, which is harmless.
 * <p>
 * Kept private to the Redis limiter on purpose: the project's {@code CircuitBreaker} was not available when this was
 * written; it can replace this class without changing the limiter's behaviour.
 */
final class OutageGate {

	private final int threshold;

	private final long retryNanos;

	private final LongSupplier nanoClock;

	private final AtomicInteger failures = new AtomicInteger();

	private final AtomicBoolean probing = new AtomicBoolean();

	private volatile long openUntil;

	OutageGate(int threshold, long retryNanos, LongSupplier nanoClock) {
		this.threshold = threshold;
		this.retryNanos = retryNanos;
		this.nanoClock = nanoClock;
	}

	/** @return whether the caller may ask Redis; a caller that may must report with onSuccess or onFailure */
	boolean tryAcquire() {
		if (this.failures.get() < this.threshold) {
			return true;
		}
		if (this.nanoClock.getAsLong() - this.openUntil < 0) {
			return false;
		}
		return this.probing.compareAndSet(false, true);
	}

	/** @return whether this success closed a gate that was open */
	boolean onSuccess() {
		if (this.failures.get() == 0) {
			return false;
		}
		boolean wasOpen = this.failures.getAndSet(0) >= this.threshold;
		this.probing.set(false);
		return wasOpen;
	}

	/** @return whether this failure opened the gate (or kept it open after a failed probe) */
	boolean onFailure() {
		int failed = this.failures.incrementAndGet();
		if (failed < this.threshold) {
			return false;
		}
		this.openUntil = this.nanoClock.getAsLong() + this.retryNanos;
		this.probing.set(false);
		return true;
	}

	/** @return nanoseconds until a probe may be sent; possibly zero but never negative */
	long nanosUntilRetry() {
		if (this.failures.get() < this.threshold) {
			return 0;
		}
		return Math.max(0, this.openUntil - this.nanoClock.getAsLong());
	}

}
