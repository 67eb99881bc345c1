package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;

import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Component;

/** An agent worker as an application would write it: {@code @Async @Prioritized}, priority chosen by the caller. */
@Component
public class AsyncWorker {

	private final AtomicInteger running = new AtomicInteger();

	@Async
	@Prioritized(Priority.NORMAL)
	public void submit(Priority priority, CountDownLatch gate) throws InterruptedException {
		this.running.incrementAndGet();
		try {
			gate.await(20, TimeUnit.SECONDS);
		}
		finally {
			this.running.decrementAndGet();
		}
	}

	public int running() {
		return this.running.get();
	}

}
