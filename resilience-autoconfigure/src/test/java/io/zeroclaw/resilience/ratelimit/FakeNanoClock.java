package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A nanosecond clock that moves only when a test says so; safe to read and advance from several threads.
 */
final class FakeNanoClock implements LongSupplier {

	private final AtomicLong nanos;

	FakeNanoClock() {
		// Not zero, so that code relying on the clock's origin being zero would be caught.
		this(1_234_567_890_123L);
	}

	FakeNanoClock(long start) {
		this.nanos = new AtomicLong(start);
	}

	@Override
	public long getAsLong() {
		return this.nanos.get();
	}

	void advance(Duration duration) {
		advanceNanos(duration.toNanos());
	}

	void advanceNanos(long nanos) {
		this.nanos.addAndGet(nanos);
	}

}
