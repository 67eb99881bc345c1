package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.zeroclaw.resilience.backpressure.BackpressureController;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ApplicationContextEvent;
import org.springframework.context.event.ContextPausedEvent;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.ContextStartedEvent;

/**
 * Drains admitted work when the application context closes: stops admitting non-critical work, then waits until the
 * depth is zero or the graceful-shutdown timeout passes, and reports what was still running.
 * <p>
 * Its {@link #PHASE} puts it after the web server has stopped taking requests (Spring Boot stops the server in phases
 * {@code SmartLifecycle.DEFAULT_PHASE - 1024} and {@code - 2048}) and before task executors stop (a
 * {@code ThreadPoolTaskExecutor} is a {@code SmartLifecycle} in phase
 * {@code ExecutorConfigurationSupport.DEFAULT_PHASE}, {@code Integer.MAX_VALUE / 2}); higher phases stop first. So the
 * executors' worker threads are still there to finish admitted work while this waits. The wait is bounded by the
 * graceful-shutdown timeout, and by the context's timeout per shutdown phase when that is shorter.
 * <p>
 * A context closed while it is paused (as Spring's test framework closes the contexts it cached) waits only for the
 * admitted work that has started: a pooled executor pauses with its context, so {@code @Async} work still queued
 * behind it cannot start before the executor's own shutdown, which comes after this phase, and the close would wait
 * the whole timeout for it.
 */
public class BackpressureDrainLifecycle
		implements SmartLifecycle, ApplicationListener<ApplicationContextEvent>, ApplicationContextAware {

	/** Stops after the web server, before task executors. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	/** How often a drain of a paused context checks whether only queued work is left. */
	private static final Duration RECHECK_INTERVAL = Duration.ofMillis(10);

	private static final Logger logger = LoggerFactory.getLogger(BackpressureDrainLifecycle.class);

	private final BackpressureController controller;

	private final Duration timeout;

	/** How many admitted {@code @Async} tasks have not started yet. */
	private final IntSupplier queuedTasks;

	private volatile boolean running;

	/** Whether this bean's own context is paused: set by its pause, cleared by its start, restart or refresh. */
	private volatile boolean paused;

	private @Nullable ApplicationContext applicationContext;

	/**
	 * @param controller the controller to drain
	 * @param timeout how long to wait for admitted work to finish
	 */
	public BackpressureDrainLifecycle(BackpressureController controller, Duration timeout) {
		this(controller, timeout, () -> 0);
	}

	/**
	 * @param controller the controller to drain
	 * @param timeout how long to wait for admitted work to finish
	 * @param queuedTasks how many admitted {@code @Async} tasks have not started yet, which a context closed while
	 * paused does not wait for
	 */
	public BackpressureDrainLifecycle(BackpressureController controller, Duration timeout, IntSupplier queuedTasks) {
		this.controller = controller;
		this.timeout = timeout;
		this.queuedTasks = queuedTasks;
	}

	@Override
	public void setApplicationContext(ApplicationContext applicationContext) {
		this.applicationContext = applicationContext;
	}

	@Override
	public void onApplicationEvent(ApplicationContextEvent event) {
		if (event.getApplicationContext() != this.applicationContext) {
			// a child context's (a separate management port's) events reach its parent's listeners too
			return;
		}
		if (event instanceof ContextPausedEvent) {
			this.paused = true;
		}
		else if (event instanceof ContextStartedEvent || event instanceof ContextRefreshedEvent) {
			// a restart is a ContextStartedEvent too
			this.paused = false;
		}
	}

	@Override
	public void start() {
		this.controller.resumeAccepting();
		this.running = true;
	}

	/**
	 * Drains, waiting in the calling thread.
	 */
	@Override
	public void stop() {
		this.controller.stopAccepting();
		try {
			drain();
		}
		finally {
			this.running = false;
		}
	}

	/**
	 * Drains in a thread of its own and tells the context when done, so that the context's
	 * {@code spring.lifecycle.timeout-per-shutdown-phase} bounds this phase as it bounds the web server's: past it the
	 * shutdown goes on (the context logs that this bean was still running) while the drain keeps reporting.
	 */
	@Override
	public void stop(Runnable callback) {
		this.controller.stopAccepting();
		// Stopped as far as the context is concerned: a start() that comes while the drain still waits (the phase
		// timeout passed, then the context was started again) must find it stopped, and resume admitting.
		this.running = false;
		if (this.controller.depth() == 0) {
			callback.run();
			return;
		}
		Thread drainer = new Thread(() -> {
			try {
				drain();
			}
			finally {
				callback.run();
			}
		}, "zeroclaw-backpressure-drain");
		drainer.setDaemon(true);
		drainer.start();
	}

	private void drain() {
		try {
			int depth = this.controller.depth();
			if (depth == 0) {
				return;
			}
			if (this.paused) {
				drainStarted();
				return;
			}
			logger.info("Waiting up to {} for {} admitted task(s) to finish", this.timeout, depth);
			long start = System.nanoTime();
			if (this.controller.awaitDrained(this.timeout)) {
				logger.info("All admitted tasks finished after {} ms",
						TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
			}
			else {
				int left = this.controller.depth();
				int queued = Math.min(left, this.queuedTasks.getAsInt());
				logger.warn("Stopped waiting after {} with {} admitted task(s) still running and {} not started yet; "
						+ "the task executor stops next: Spring's thread pool waits up to "
						+ "spring.lifecycle.timeout-per-shutdown-phase for the tasks it runs, or, with "
						+ "spring.task.execution.shutdown.await-termination=true, only up to its "
						+ "await-termination-period; on virtual threads nothing waits unless await-termination is true",
						this.timeout, left - queued, queued);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			logger.warn("Interrupted while draining, with {} admitted task(s) still running",
					this.controller.depth());
		}
	}

	/**
	 * Waits, in a context closed while paused, for the admitted work that has started: what is still queued behind a
	 * paused executor cannot start. The controller signals only an empty queue, so the wait is on that signal in
	 * short steps, with the count of started work checked between them.
	 */
	private void drainStarted() throws InterruptedException {
		int queued = this.queuedTasks.getAsInt();
		logger.info("Closed while paused: waiting up to {} for the admitted task(s) that have started, not for {} "
				+ "queued behind an executor that may be paused too (it releases them when it shuts down)",
				this.timeout, queued);
		long deadline = System.nanoTime() + saturatedNanos(this.timeout);
		// depth first: a task that starts between the two reads then counts as started, never as neither
		while (this.controller.depth() > this.queuedTasks.getAsInt()) {
			if (System.nanoTime() - deadline >= 0) {
				logger.warn("Stopped waiting after {} with {} admitted task(s) still running", this.timeout,
						this.controller.depth() - this.queuedTasks.getAsInt());
				return;
			}
			if (this.controller.awaitDrained(RECHECK_INTERVAL)) {
				return;
			}
		}
	}

	/** A timeout in nanoseconds, a timeout of centuries (past what a long holds) as about 146 years. */
	private static long saturatedNanos(Duration timeout) {
		try {
			return Math.min(timeout.toNanos(), Long.MAX_VALUE / 2);
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE / 2;
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Not stopped when the context is only paused (as Spring's test framework does to a cached context it switches
	 * away from): a pause is not a shutdown, and draining would hold it for up to the graceful-shutdown timeout and
	 * shed the work of anything still running meanwhile. An explicit {@code stop()} of the context still drains.
	 * @return {@code false}
	 */
	@Override
	public boolean isPauseable() {
		return false;
	}

}
