package io.zeroclaw.resilience.ratelimit.redis;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.jspecify.annotations.Nullable;

/**
 * Gives {@link RedisRateLimiter}s the asynchronous Lettuce commands of one connection, shared by every limiter of an
 * application (Lettuce connections are thread-safe and multiplexed; one is all a limiter needs).
 * <p>
 * The connection is opened lazily, off the caller's thread: opening may block for Lettuce's connect timeout (seconds)
 * when Redis is unreachable, far longer than a decision may wait, and an application must start whether or not Redis
 * is up. A caller waits at most its own deadline for an attempt in flight; a failed attempt is forgotten, so the next
 * caller starts a new one. Once open, the connection reconnects by itself (Lettuce's auto-reconnect); it is opened
 * again only if it was closed for good, as Spring's connection factory does to its shared connection when it is
 * reset or restarted.
 */
public final class LettuceConnector {

	private final Supplier<? extends RedisClusterAsyncCommands<byte[], byte[]>> connect;

	private volatile @Nullable RedisClusterAsyncCommands<byte[], byte[]> commands;

	private volatile @Nullable CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> attempt;

	/** Why the last attempt to connect failed, until one succeeds; told to callers that time out waiting again. */
	private volatile @Nullable Throwable lastFailure;

	/** The thread of the latest attempt to connect. */
	private volatile @Nullable Thread connecting;

	private volatile boolean stopped;

	/** Counts the stops and starts: what was begun for one run (a retry in the background) ends with it. */
	private volatile int run;

	/**
	 * @param connect opens the connection and returns its asynchronous commands; may block and may throw; called
	 * again only after an attempt failed
	 */
	public LettuceConnector(Supplier<? extends RedisClusterAsyncCommands<byte[], byte[]>> connect) {
		this.connect = Objects.requireNonNull(connect, "connect must not be null");
	}

	/**
	 * Returns the commands, waiting at most {@code timeoutNanos} for the connection to open if it is not yet.
	 * @param timeoutNanos longest to wait
	 * @return the commands of the open connection
	 * @throws TimeoutException when the connection did not open in time (the attempt goes on in the background) and
	 * no attempt has failed before
	 * @throws ExecutionException when the attempt failed, or when it did not end in time and the one before it failed:
	 * its cause is then that failure (Redis unreachable, a refused password), a truer account than a time-out when
	 * every attempt outlasts the caller's wait (a Redis that accepts connections but never answers)
	 * @throws InterruptedException when the calling thread was interrupted while waiting
	 */
	public RedisClusterAsyncCommands<byte[], byte[]> commands(long timeoutNanos)
			throws TimeoutException, ExecutionException, InterruptedException {
		RedisClusterAsyncCommands<byte[], byte[]> open = this.commands;
		if (open != null && !isClosed(open)) {
			return open;
		}
		try {
			return connecting().get(timeoutNanos, TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			Throwable failure = this.lastFailure;
			if (failure != null) {
				throw new ExecutionException(failure);
			}
			throw ex;
		}
	}

	/**
	 * Starts opening the connection in the background, if it is not open or being opened, and returns at once; for
	 * start-up, so that the first decisions do not wait for the connection, or fail while it opens.
	 * @return completes with the commands once the connection is open, or exceptionally if this attempt failed
	 */
	public CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> connectInBackground() {
		RedisClusterAsyncCommands<byte[], byte[]> open = this.commands;
		return (open != null && !isClosed(open)) ? CompletableFuture.completedFuture(open) : connecting();
	}

	private synchronized CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> connecting() {
		CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> current = this.attempt;
		// A connection closed for good (its owner closed it: Spring's connection factory resetting or restarting its
		// shared connection, say) is replaced; one that is only reconnecting is still open and is kept.
		if (this.stopped) {
			return CompletableFuture.failedFuture(
					new IllegalStateException("The application is shutting down: Redis is not connected to again"));
		}
		if (current == null || current.isCompletedExceptionally() || (current.isDone() && isClosed(current.join()))) {
			current = CompletableFuture.supplyAsync(this::open, (task) -> {
				Thread thread = new Thread(task, "zeroclaw-redis-connect");
				thread.setDaemon(true);
				this.connecting = thread;
				thread.start();
			});
			current.whenComplete((opened, failure) -> this.lastFailure = (failure instanceof CompletionException
					&& failure.getCause() != null) ? failure.getCause() : failure);
			this.attempt = current;
		}
		return current;
	}

	/**
	 * Stops opening connections, for the application's shutdown, and interrupts an attempt in progress. Opening
	 * Spring's shared connection holds its connection factory's lock, which the factory's own stop waits for: an
	 * attempt on a Redis that accepts connections but never answers would hold the shutdown for the whole handshake
	 * timeout (a minute by default). The connection already open, if any, stays usable until its owner closes it.
	 */
	public void stop() {
		synchronized (this) {
			this.stopped = true;
			this.run++;
		}
		Thread thread = this.connecting;
		if (thread != null) {
			thread.interrupt();
		}
	}

	/** The current run, for work that should end when the connector stops or starts again. */
	int run() {
		return this.run;
	}

	/** Whether the connector has neither stopped nor started again since {@link #run()} answered {@code run}. */
	boolean isRunning(int run) {
		return !this.stopped && this.run == run;
	}

	/**
	 * Opens connections again after {@link #stop()}, when a stopped (or paused) application context is started
	 * again.
	 * @return whether the connector had been stopped: then it is to be prepared again
	 */
	public synchronized boolean start() {
		if (!this.stopped) {
			return false;
		}
		this.stopped = false;
		this.run++;
		return true;
	}

	/**
	 * Whether the connection is open but cut off, with Lettuce trying to reconnect it: commands sent meanwhile wait
	 * for the reconnection, so a decision times out, and Lettuce's own log says why it cannot reconnect (Redis down,
	 * a refused password).
	 * @return whether the connection that was opened is reconnecting
	 */
	public boolean isReconnecting() {
		StatefulConnection<?, ?> connection = connection(this.commands);
		return connection != null && !connection.isOpen()
				&& !(connection instanceof RedisChannelHandler handler && handler.isClosed());
	}

	/**
	 * Whether the connection behind the commands was closed for good. Not {@code !isOpen()}: that is also true while
	 * Lettuce reconnects a connection that dropped, which must be waited for, not replaced.
	 */
	static boolean isClosed(RedisClusterAsyncCommands<?, ?> commands) {
		return connection(commands) instanceof RedisChannelHandler handler && handler.isClosed();
	}

	/**
	 * The connection behind the commands. {@code getStatefulConnection()} is deprecated (Lettuce would have callers
	 * hold the connection rather than its commands), but Spring Data Redis hands out only the commands of its shared
	 * connection; it is still there, and works, in the Lettuce 7 that Spring Boot 4.1 manages.
	 */
	@SuppressWarnings("deprecation")
	private static @Nullable StatefulConnection<?, ?> connection(@Nullable RedisClusterAsyncCommands<?, ?> commands) {
		return (commands instanceof RedisAsyncCommands<?, ?> standalone) ? standalone.getStatefulConnection()
				: (commands instanceof RedisAdvancedClusterAsyncCommands<?, ?> cluster) ? cluster.getStatefulConnection()
						: null;
	}

	private RedisClusterAsyncCommands<byte[], byte[]> open() {
		RedisClusterAsyncCommands<byte[], byte[]> opened = Objects.requireNonNull(this.connect.get(),
				"the connection supplier returned null");
		if (isClosed(opened)) {
			throw new IllegalStateException("the connection supplier returned a closed connection");
		}
		this.commands = opened;
		return opened;
	}

}
