package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;

import org.springframework.scheduling.annotation.Async;

/**
 * A bean with {@code @Async @Prioritized} and synchronous {@code @Prioritized} methods; each asynchronous method
 * blocks on a gate the test opens, so the test decides when the work finishes.
 */
public class AgentWorker {

	private final AtomicInteger started = new AtomicInteger();

	private final AtomicInteger finished = new AtomicInteger();

	private final BackpressureController controller;

	AgentWorker(BackpressureController controller) {
		this.controller = controller;
	}

	@Async
	@Prioritized(Priority.LOW)
	public void runVoid(CountDownLatch gate) {
		work(gate);
	}

	@Async
	@Prioritized(Priority.LOW)
	public CompletableFuture<String> runCompletable(CountDownLatch gate) {
		work(gate);
		return CompletableFuture.completedFuture("done");
	}

	@Async
	@Prioritized(Priority.LOW)
	public CompletableFuture<String> runFailing(CountDownLatch gate) {
		work(gate);
		throw new IllegalStateException("agent failed");
	}

	@Async
	@Prioritized(Priority.LOW)
	public CompletableFuture<String> runHandingOver(CompletableFuture<String> later) {
		this.started.incrementAndGet();
		return later;
	}

	@Async
	@Prioritized(Priority.LOW)
	public Future<String> runFuture(CountDownLatch gate) {
		work(gate);
		FutureTask<String> result = new FutureTask<>(() -> "done");
		result.run();
		return result;
	}

	@Async
	@Prioritized(Priority.BACKGROUND)
	public void runAt(Priority priority, CountDownLatch gate) {
		work(gate);
	}

	@Prioritized(Priority.HIGH)
	public int depthDuringSyncCall() {
		return this.controller.depth();
	}

	@Prioritized(Priority.HIGH)
	public int depthDuringSyncCallAt(Priority priority) {
		return this.controller.depth();
	}

	@Prioritized(Priority.HIGH)
	public void failSync() {
		throw new IllegalStateException("sync failure");
	}

	/** @return how many asynchronous calls have started (read through the proxy, so on the target) */
	public int started() {
		return this.started.get();
	}

	/** @return how many asynchronous calls have passed their gate */
	public int finished() {
		return this.finished.get();
	}

	public int notPrioritized() {
		return this.controller.depth();
	}

	private void work(CountDownLatch gate) {
		this.started.incrementAndGet();
		try {
			if (!gate.await(20, TimeUnit.SECONDS)) {
				throw new IllegalStateException("gate never opened");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", ex);
		}
		this.finished.incrementAndGet();
	}

}
