package io.zeroclaw.resilience.circuitbreaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.Spliterator;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import org.jspecify.annotations.Nullable;

/**
 * A circuit breaker: it stops calling an upstream that keeps failing, and after a pause lets a few probe calls find
 * out whether it has recovered.
 *
 * <h2>State machine</h2>
 * <pre>
 *            failureThreshold consecutive failures
 *   CLOSED ------------------------------------------&gt; OPEN
 *     ^                                                |  ^
 *     | halfOpenMaxRequests probes                     |  | any probe fails
 *     | all succeeded             recoveryTimeout      v  |
 *     +------------------------------------------- HALF_OPEN
 * </pre>
 * <ul>
 * <li>CLOSED: every call goes through. A failure adds one to the count of consecutive failures, any success resets
 * it to zero; when the count reaches {@code failureThreshold} the breaker opens.</li>
 * <li>OPEN: every call is refused with {@link CircuitOpenException}, which carries the time left until the recovery
 * timeout has passed. The first call (or {@link #state()} read) after that moves the breaker to HALF_OPEN.</li>
 * <li>HALF_OPEN: at most {@code halfOpenMaxRequests} probes are let through; other calls are refused. Once that many
 * probes have succeeded the breaker closes; a single failed probe reopens it for another recovery timeout.</li>
 * </ul>
 * A call that ends without telling anything about the upstream's health is <em>ignored</em>: it throws an exception the
 * ignore predicate matches (tested on the exception thrown and, when that is only a carrier such as a
 * {@link CompletionException}, on the exception it carries; not on the causes of other exceptions), it is cancelled or
 * interrupted, it fails in this JVM rather than upstream (a {@link VirtualMachineError} such as
 * {@code OutOfMemoryError}, a {@link RejectedExecutionException} from an executor that would not run it, an
 * {@link UnsupportedOperationException}, or a refusal by another breaker or by load shedding), or the caller closes its
 * stream before the upstream sent a first element. An ignored call neither counts as a failure nor resets the count; a
 * probe that is ignored gives its slot back, so that another caller can probe in its place. A stream closed after a
 * first element, like one read to its end, is a success: the upstream answered, and the consumer had what it wanted.
 * <p>
 * A probe that never reports (an upstream that hangs with no timeout, a stream never consumed to its end nor closed)
 * cannot hold a half-open breaker for ever: once every probe slot of a half-open period is taken and the last one was
 * taken the recovery timeout ago, but at least five minutes, the next call counts the period as a failed probe and the
 * breaker opens again.
 *
 * <h2>Concurrency</h2>
 * The whole state lives in one immutable-shaped {@code Epoch} object, swapped atomically (compare-and-set) on every
 * transition; the few counters an epoch needs (consecutive failures while closed; probe slots taken and probes
 * succeeded while half-open) are fields of that epoch, changed with atomic operations. No lock is taken anywhere.
 * <ul>
 * <li>The closed success path costs one volatile read of the epoch, one volatile read of its failure count (written
 * only when it is not already zero, so that a healthy breaker's cache line stays shared between cores) and one read
 * of the listener array. It allocates nothing and never reads the clock.</li>
 * <li>Every call, and every {@link Permission}, remembers the epoch it was admitted in, and reports its outcome to
 * that epoch only. A transition is a compare-and-set from that epoch, so an outcome that arrives after the breaker
 * has moved on (a slow call admitted while closed that fails after the breaker already opened, or a probe of an
 * earlier half-open period) changes nothing: it can neither reopen a breaker that a newer probe closed nor eat a
 * newer period's probe slot. Among threads racing for the same transition exactly one compare-and-set succeeds, and
 * only that thread notifies the listeners.</li>
 * <li>A half-open epoch admits a probe by incrementing its slot count with compare-and-set while it is below
 * {@code halfOpenMaxRequests}, so no more probes than that are ever out or succeeded at once in one half-open period,
 * however many threads try at once. A success keeps its slot (and is counted), an ignored outcome gives it back, a
 * failure ends the epoch. Hence, as long as every admitted call reports exactly one outcome, a half-open breaker
 * always either closes, reopens or has a free slot; and a probe that never reports only holds its slot until the
 * period's deadline.
 * {@link #execute}, {@link #executeAsync} and {@link #executeStream} report on every way out (return, exception,
 * interruption, cancellation of the returned future, exhaustion or closing of the returned stream); code that uses
 * {@link #acquirePermission()} directly must do the same, and {@link Permission#close()} makes that a
 * try-with-resources block.</li>
 * </ul>
 *
 * <p>
 * Instances are thread-safe and meant to be created once per upstream and shared for the application's lifetime.
 */
public final class CircuitBreaker {

	private static final CircuitBreakerListener[] NO_LISTENERS = {};

	/**
	 * The least time the probes of a half-open period get before a period whose probes are all still out counts as a
	 * failed probe (the recovery timeout when longer): long enough for a slow upstream call to finish, short enough
	 * that a lost probe does not keep the breaker half-open for good.
	 */
	static final long MIN_PROBE_DEADLINE_NANOS = Duration.ofMinutes(5).toNanos();

	/** The pause a call refused by a half-open breaker is told to wait (the recovery timeout when shorter). */
	static final long PROBING_RETRY_AFTER_NANOS = Duration.ofSeconds(1).toNanos();

	/** How deep a cause chain is followed; a chain with a cycle is not followed forever. */
	private static final int MAX_CAUSE_DEPTH = 16;

	/** Kotlin's {@code withTimeout} deadline, a {@code CancellationException} that is a failure of the call. */
	private static final String KOTLIN_TIMEOUT = "kotlinx.coroutines.TimeoutCancellationException";

	private static final VarHandle EPOCH;

	static {
		try {
			EPOCH = MethodHandles.lookup().findVarHandle(CircuitBreaker.class, "epoch", Epoch.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final String name;

	private final CircuitBreakerConfig config;

	private final LongSupplier nanoClock;

	private final Predicate<Throwable> ignored;

	private final long recoveryNanos;

	/** How long the last probe of a full half-open period may stay out before the period counts as a failed probe. */
	private final long probeDeadlineNanos;

	/** The current state and its counters; replaced, never mutated in place except for its counters. */
	private volatile Epoch epoch;

	private volatile CircuitBreakerListener[] listeners = NO_LISTENERS;

	/** The transitions a listener caused on this thread while being told of another, to tell next. */
	private final ThreadLocal<ArrayDeque<CircuitState[]>> notifying = new ThreadLocal<>();

	/**
	 * Creates a closed breaker on the system's nano clock that counts every exception as a failure.
	 * @param name the breaker's name, used in exceptions, logs and metrics
	 * @param config its settings
	 */
	public CircuitBreaker(String name, CircuitBreakerConfig config) {
		this(name, config, System::nanoTime);
	}

	/**
	 * Creates a closed breaker that counts every exception as a failure.
	 * @param name the breaker's name, used in exceptions, logs and metrics
	 * @param config its settings
	 * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
	 */
	public CircuitBreaker(String name, CircuitBreakerConfig config, LongSupplier nanoClock) {
		this(name, config, nanoClock, (ex) -> false);
	}

	/**
	 * Creates a closed breaker.
	 * @param name the breaker's name, used in exceptions, logs and metrics
	 * @param config its settings
	 * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
	 * @param ignored matches the exceptions that count neither as failures nor as successes
	 */
	public CircuitBreaker(String name, CircuitBreakerConfig config, LongSupplier nanoClock,
			Predicate<Throwable> ignored) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		this.name = name;
		this.config = Objects.requireNonNull(config, "config must not be null");
		this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock must not be null");
		this.ignored = Objects.requireNonNull(ignored, "ignored must not be null");
		this.recoveryNanos = saturatedNanos(config.recoveryTimeout());
		this.probeDeadlineNanos = Math.max(this.recoveryNanos, MIN_PROBE_DEADLINE_NANOS);
		this.epoch = Epoch.closed(null);
	}

	/** @return the breaker's name */
	public String name() {
		return this.name;
	}

	/** @return the breaker's settings */
	public CircuitBreakerConfig config() {
		return this.config;
	}

	/**
	 * Returns the current state. An open breaker whose recovery timeout has passed moves to (and reports)
	 * {@link CircuitState#HALF_OPEN} here, as the next call would.
	 * @return the current state
	 */
	public CircuitState state() {
		return current().state;
	}

	/**
	 * Returns how many times the breaker has changed state, or been forced to one, since it was made. A call admitted
	 * when this read {@code n} belongs to a period of the breaker that has ended once it reads more: glue that lets
	 * code run under a call's permission checks it before it does.
	 * @return the count, from zero
	 */
	public long transitions() {
		return current().sequence;
	}

	/**
	 * @return the consecutive failures since the last success: the running count while closed, the count that opened
	 * the breaker (plus failed probes) while open or half-open, zero after a forced transition; never negative
	 */
	public int consecutiveFailures() {
		// the epoch as it is, not current(): a read must not move an expired open breaker to half-open, which a
		// listener reading this while told of the opening would hear before the opening had reached everyone
		return this.epoch.failures;
	}

	/** @return how long until an open breaker lets a probe through; zero unless open, never negative */
	public Duration retryAfter() {
		Epoch current = current();
		if (current.state != CircuitState.OPEN) {
			return Duration.ZERO;
		}
		return Duration.ofNanos(remainingNanos(current, this.nanoClock.getAsLong()));
	}

	/**
	 * Reads the state, the failure count and the time left together, from one state period and one reading of the
	 * clock, as {@link #state()} would move an open breaker whose recovery timeout has passed to half-open. Reading the
	 * three separately may mix two periods (say {@code OPEN} with no time left, the recovery timeout having passed
	 * between the reads); a report of the breaker should use this.
	 * @return the breaker as it is now
	 */
	public Snapshot snapshot() {
		long now = this.nanoClock.getAsLong();
		Epoch current = this.epoch;
		if (current.state == CircuitState.OPEN && remainingNanos(current, now) <= 0) {
			transition(current, Epoch.halfOpen(current, now, current.failures));
			current = this.epoch;
		}
		Duration retryAfter = (current.state == CircuitState.OPEN)
				? Duration.ofNanos(Math.max(1, remainingNanos(current, now))) : Duration.ZERO;
		return new Snapshot(current.state, current.failures, retryAfter);
	}

	/**
	 * Calls {@code call} if the breaker permits it and records how it went.
	 * @param <T> the result type
	 * @param call the call to the upstream
	 * @return what {@code call} returned
	 * @throws CircuitOpenException when the breaker does not permit the call; {@code call} was not invoked
	 */
	public <T extends @Nullable Object> T execute(Supplier<T> call) {
		Objects.requireNonNull(call, "call must not be null"); // the caller's mistake, not a failure of the upstream
		Epoch admitted = this.epoch;
		if (admitted.state == CircuitState.CLOSED) {
			// The common path, kept free of allocation, clock reads and compare-and-set.
			T result;
			try {
				result = call.get();
			}
			catch (Throwable ex) {
				recordThrown(admitted, ex, Thread.currentThread().isInterrupted());
				throw ex;
			}
			if (admitted.failures != 0) {
				admitted.failures = 0;
			}
			CircuitBreakerListener[] listeners = this.listeners;
			if (listeners.length != 0) {
				notifySuccess(listeners);
			}
			return result;
		}
		Permission permission = acquirePermission();
		T result;
		try {
			result = call.get();
		}
		catch (Throwable ex) {
			if (permission.complete()) {
				recordThrown(permission.epoch, ex, Thread.currentThread().isInterrupted());
			}
			throw ex;
		}
		permission.onSuccess();
		return result;
	}

	/**
	 * Starts {@code call} if the breaker permits it and records how the stage it returns completes. Completing the
	 * returned future before the upstream does (cancelling it, {@code orTimeout}, {@code completeExceptionally}) gives
	 * the call's permission back (as an ignored outcome) and tries to cancel the upstream stage. A call that returns
	 * {@code null} instead of a stage counts as a failed call, as an exception it throws does (a broken client of the
	 * upstream), and the future completes with a {@link NullPointerException}. A call that throws
	 * {@link InterruptedException} is not counted; its future fails with it, and the calling thread's interrupt, which
	 * the thrower cleared, is set again.
	 * @param <T> the result type
	 * @param call starts the call to the upstream and returns its stage
	 * @return a future completed as the upstream stage is; completed exceptionally with {@link CircuitOpenException}
	 * when the breaker does not permit the call, in which case {@code call} was not invoked
	 */
	public <T extends @Nullable Object> CompletableFuture<T> executeAsync(Supplier<? extends CompletionStage<T>> call) {
		Objects.requireNonNull(call, "call must not be null");
		Permission permission;
		try {
			permission = acquirePermission();
		}
		catch (CircuitOpenException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		CompletionStage<T> stage;
		try {
			stage = Objects.requireNonNull(call.get(), "call returned null instead of a CompletionStage");
		}
		catch (Throwable ex) {
			if (permission.complete()) {
				recordThrown(permission.epoch, ex, Thread.currentThread().isInterrupted());
			}
			if (ex instanceof InterruptedException) {
				// handed to the caller in a future, not thrown: the interrupt its thrower cleared is kept for it
				Thread.currentThread().interrupt();
			}
			return CompletableFuture.failedFuture(ex);
		}
		CompletableFuture<T> result = new CompletableFuture<>();
		try {
			stage.whenComplete((value, failure) -> {
				try {
					if (failure == null) {
						permission.onSuccess();
					}
					else {
						permission.onFailure(failure);
					}
				}
				finally {
					// completed whatever the report threw: a future left pending would hang its caller for good
					if (failure == null) {
						result.complete(value);
					}
					else {
						result.completeExceptionally(failure);
					}
				}
			});
		}
		catch (RuntimeException ex) {
			permission.onIgnore(); // a stage that cannot be watched (read-only) tells nothing of the upstream
			return CompletableFuture.failedFuture(ex);
		}
		result.whenComplete((value, failure) -> {
			// Completed by the caller rather than by the upstream (cancel, orTimeout, completeExceptionally): the
			// caller gave up. When the upstream completed it, its outcome is already reported and nothing is done.
			if (permission.complete()) {
				recordIgnored(permission.epoch, null);
				cancel(stage);
			}
		});
		return result;
	}

	/**
	 * Opens a stream from {@code call} if the breaker permits it, and records the outcome when the stream ends:
	 * reaching its end is a success, an exception thrown by the upstream while it is consumed is a failure. Closing
	 * it early, or an exception thrown by the consumer's own code, is a success once the upstream has sent an element
	 * (it answered; the consumer stopped reading), and gives the permission back as an ignored outcome before that.
	 * The returned stream must be closed or consumed to the end, as any stream holding a resource: until then a
	 * half-open breaker counts it as a running probe. A call that returns {@code null} instead of a stream counts as a
	 * failed call, as an exception it throws does, and is thrown as a {@link NullPointerException}.
	 * @param <T> the element type
	 * @param call opens the upstream stream
	 * @return a sequential stream with the upstream's elements; closing it closes the upstream stream
	 * @throws CircuitOpenException when the breaker does not permit the call; {@code call} was not invoked
	 */
	public <T extends @Nullable Object> Stream<T> executeStream(Supplier<? extends Stream<T>> call) {
		return executeStream(call, null);
	}

	/**
	 * Same as {@link #executeStream(Supplier)} for a stream whose last element says so (the Provider SPI's
	 * {@code StreamChunk.last()}): delivering that element is a success, so that a consumer that stops reading there,
	 * without closing the stream, has still reported the upstream's complete answer.
	 * @param <T> the element type
	 * @param call opens the upstream stream
	 * @param last whether an element is the stream's last; {@code null} when no element says so
	 * @return a sequential stream with the upstream's elements; closing it closes the upstream stream
	 * @throws CircuitOpenException when the breaker does not permit the call; {@code call} was not invoked
	 */
	public <T extends @Nullable Object> Stream<T> executeStream(Supplier<? extends Stream<T>> call,
			@Nullable Predicate<? super T> last) {
		Objects.requireNonNull(call, "call must not be null");
		Permission permission = acquirePermission();
		Stream<T> source;
		try {
			source = Objects.requireNonNull(call.get(), "call returned null instead of a Stream");
		}
		catch (Throwable ex) {
			if (permission.complete()) {
				recordThrown(permission.epoch, ex, Thread.currentThread().isInterrupted());
			}
			throw ex;
		}
		Spliterator<T> elements;
		try {
			elements = source.spliterator();
		}
		catch (Throwable ex) {
			// a stream already used or closed: the provider's own mistake, nothing about the upstream
			permission.onIgnore();
			throw ex;
		}
		GuardedSpliterator<T> guarded = new GuardedSpliterator<>(elements, permission, last);
		return StreamSupport.stream(guarded, false).onClose(() -> {
			// Reported before the upstream is closed: closing it ends a read blocked in another thread, whose end or
			// exception would otherwise be reported first, as the upstream's answer.
			try {
				guarded.stopped();
			}
			finally {
				source.close();
			}
		});
	}

	/**
	 * Asks for permission to make one call, for glue (streams, reactive types) that cannot hand the whole call to
	 * {@link #execute}. The caller must report exactly one outcome on the returned permission, on every way out of
	 * the call; later reports are ignored.
	 * @return the permission of one call
	 * @throws CircuitOpenException when the breaker does not permit a call now
	 */
	public Permission acquirePermission() {
		for (;;) {
			Epoch current = this.epoch;
			switch (current.state) {
				case CLOSED:
					return new Permission(current);
				case OPEN:
					long now = this.nanoClock.getAsLong();
					long remaining = remainingNanos(current, now);
					if (remaining > 0) {
						throw reject(Duration.ofNanos(remaining));
					}
					transition(current, Epoch.halfOpen(current, now, current.failures));
					break; // admit in whatever epoch won the race
				default:
					long checked = this.nanoClock.getAsLong();
					if (current.tryTakeSlot(this.config.halfOpenMaxRequests(), checked)) {
						return new Permission(current);
					}
					if (checked - current.lastSlotAt >= this.probeDeadlineNanos) {
						// The probes have been out too long to be waited for (hung upstream, or a stream never
						// closed): a probe that does not answer is a failed one. Their late outcomes go to this
						// epoch and change nothing.
						transition(current, Epoch.open(current, checked, current.failures + 1));
						break;
					}
					throw reject(null);
			}
		}
	}

	/**
	 * Opens the breaker now, whatever its state, for one recovery timeout; for operators taking an upstream out of
	 * service. Calls still running report to the epoch they were admitted in and change nothing.
	 */
	public void transitionToOpen() {
		long now = this.nanoClock.getAsLong();
		force((from) -> Epoch.open(from, now, 0));
	}

	/**
	 * Closes the breaker now, whatever its state, with a failure count of zero; for operators who know the upstream is
	 * back.
	 */
	public void transitionToClosed() {
		force(Epoch::closed);
	}

	/**
	 * Adds a listener; it is told of events from now on.
	 * @param listener the listener
	 */
	public synchronized void addListener(CircuitBreakerListener listener) {
		Objects.requireNonNull(listener, "listener must not be null");
		CircuitBreakerListener[] current = this.listeners;
		CircuitBreakerListener[] next = Arrays.copyOf(current, current.length + 1);
		next[current.length] = listener;
		this.listeners = next;
	}

	/**
	 * Removes a listener added before; does nothing if it was not added.
	 * @param listener the listener
	 */
	public synchronized void removeListener(CircuitBreakerListener listener) {
		CircuitBreakerListener[] current = this.listeners;
		for (int i = 0; i < current.length; i++) {
			if (current[i] == listener) {
				CircuitBreakerListener[] next = new CircuitBreakerListener[current.length - 1];
				System.arraycopy(current, 0, next, 0, i);
				System.arraycopy(current, i + 1, next, i, current.length - i - 1);
				this.listeners = next;
				return;
			}
		}
	}

	@Override
	public String toString() {
		return "CircuitBreaker[" + this.name + ", " + this.epoch.state + "]";
	}

	/** The current epoch, having moved an open breaker whose recovery timeout has passed to half-open. */
	private Epoch current() {
		Epoch current = this.epoch;
		if (current.state == CircuitState.OPEN) {
			long now = this.nanoClock.getAsLong();
			if (remainingNanos(current, now) <= 0) {
				transition(current, Epoch.halfOpen(current, now, current.failures));
				current = this.epoch;
			}
		}
		return current;
	}

	private long remainingNanos(Epoch open, long now) {
		long elapsed = now - open.since;
		if (elapsed <= 0) {
			return this.recoveryNanos;
		}
		return (elapsed >= this.recoveryNanos) ? 0 : this.recoveryNanos - elapsed;
	}

	/**
	 * The refusal of a call, told to the listeners.
	 * @param retryAfter the time left while open; {@code null} when half-open with every probe slot taken, when no
	 * one can tell how long the probes take: then the shorter of a second and the recovery timeout, a pause that keeps
	 * a caller who waits as told from retrying in a busy loop
	 */
	private CircuitOpenException reject(@Nullable Duration retryAfter) {
		CircuitOpenException refusal = (retryAfter != null) ? new CircuitOpenException(this.name, retryAfter)
				: new CircuitOpenException(this.name,
						Duration.ofNanos(Math.min(this.recoveryNanos, PROBING_RETRY_AFTER_NANOS)), true);
		for (CircuitBreakerListener listener : this.listeners) {
			try {
				listener.onRejected(this, refusal);
			}
			catch (Throwable ex) {
				dropListenerFailure(ex);
			}
		}
		return refusal;
	}

	/** Records what a call admitted in {@code admitted} threw. */
	private void recordThrown(Epoch admitted, Throwable thrown, boolean interrupted) {
		if (interrupted || isAbandonment(thrown) || isLocal(thrown) || isIgnored(thrown)) {
			recordIgnored(admitted, thrown);
		}
		else {
			recordFailure(admitted, thrown);
		}
	}

	private void recordSuccess(Epoch admitted) {
		if (admitted.failures != 0) {
			admitted.failures = 0;
		}
		if (admitted.state == CircuitState.HALF_OPEN
				&& admitted.addSuccess() >= this.config.halfOpenMaxRequests()) {
			transition(admitted, Epoch.closed(admitted));
		}
		CircuitBreakerListener[] listeners = this.listeners;
		if (listeners.length != 0) {
			notifySuccess(listeners);
		}
	}

	private void recordFailure(Epoch admitted, Throwable failure) {
		for (CircuitBreakerListener listener : this.listeners) {
			try {
				listener.onFailure(this, failure);
			}
			catch (Throwable ex) {
				dropListenerFailure(ex);
			}
		}
		if (admitted.state == CircuitState.CLOSED) {
			int failures = admitted.addFailure();
			if (failures >= this.config.failureThreshold()) {
				transition(admitted, Epoch.open(admitted, this.nanoClock.getAsLong(), failures));
			}
		}
		else if (admitted.state == CircuitState.HALF_OPEN) {
			transition(admitted, Epoch.open(admitted, this.nanoClock.getAsLong(), admitted.failures + 1));
		}
	}

	private void recordIgnored(Epoch admitted, @Nullable Throwable cause) {
		if (admitted.state == CircuitState.HALF_OPEN) {
			admitted.releaseSlot();
		}
		for (CircuitBreakerListener listener : this.listeners) {
			try {
				listener.onIgnored(this, cause);
			}
			catch (Throwable ex) {
				dropListenerFailure(ex);
			}
		}
	}

	private void notifySuccess(CircuitBreakerListener[] listeners) {
		for (CircuitBreakerListener listener : listeners) {
			try {
				listener.onSuccess(this);
			}
			catch (Throwable ex) {
				dropListenerFailure(ex);
			}
		}
	}

	private void transition(Epoch from, Epoch to) {
		if (EPOCH.compareAndSet(this, from, to)) {
			notifyTransition(from.state, to.state);
		}
	}

	private void force(UnaryOperator<Epoch> next) {
		Epoch from;
		Epoch to;
		do {
			from = this.epoch;
			to = next.apply(from);
		}
		while (!EPOCH.compareAndSet(this, from, to));
		if (from.state != to.state) {
			notifyTransition(from.state, to.state);
		}
	}

	/**
	 * What a listener threw, whatever it is (a checked exception sneaked out of a Kotlin listener, a test's
	 * {@code AssertionError}, a {@code StackOverflowError}): dropped, so that it can never disturb the call nor skip
	 * the breaker's own bookkeeping or the other listeners. An interrupt it carried is kept for the caller.
	 */
	static void dropListenerFailure(Throwable thrown) {
		if (thrown instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Tells the listeners of a transition. One that a listener causes while it is being told of another (reading
	 * {@link #state()} moves an expired open breaker to half-open) is told once the one in progress has reached every
	 * listener, so that everyone on this thread hears the transitions in the order of their swaps.
	 */
	private void notifyTransition(CircuitState from, CircuitState to) {
		ArrayDeque<CircuitState[]> queued = this.notifying.get();
		if (queued != null) {
			queued.add(new CircuitState[] { from, to });
			return;
		}
		queued = new ArrayDeque<>();
		this.notifying.set(queued);
		try {
			tellListeners(from, to);
			for (CircuitState[] next = queued.poll(); next != null; next = queued.poll()) {
				tellListeners(next[0], next[1]);
			}
		}
		finally {
			this.notifying.remove();
		}
	}

	private void tellListeners(CircuitState from, CircuitState to) {
		for (CircuitBreakerListener listener : this.listeners) {
			try {
				listener.onStateTransition(this, from, to);
			}
			catch (Throwable ex) {
				dropListenerFailure(ex);
			}
		}
	}

	private boolean isIgnored(Throwable thrown) {
		try {
			if (this.ignored.test(thrown)) {
				return true;
			}
			Throwable unwrapped = unwrap(thrown);
			return unwrapped != thrown && this.ignored.test(unwrapped);
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/**
	 * A cancellation or interruption says nothing about the upstream: the caller gave up. An interruption is looked
	 * for down the cause chain, since I/O clients wrap it (an {@code InterruptedException} in an
	 * {@code IOException} in a client's own exception).
	 */
	private static boolean isAbandonment(Throwable thrown) {
		Throwable unwrapped = unwrap(thrown);
		if (unwrapped instanceof CancellationException) {
			// Kotlin's withTimeout throws a CancellationException of its own: inside the call it is the call's own
			// deadline running out on a hung upstream, a failure (a caller that gives up cancels instead)
			return !unwrapped.getClass().getName().equals(KOTLIN_TIMEOUT);
		}
		Throwable cause = unwrapped;
		for (int depth = 0; cause != null && depth < MAX_CAUSE_DEPTH; depth++) {
			if (cause instanceof InterruptedException) {
				return true;
			}
			cause = cause.getCause();
		}
		return false;
	}

	/**
	 * A failure of this JVM rather than of the upstream: it ran out of memory or stack, an executor refused to run the
	 * call, the bean does not support the operation, or another of this project's protections refused it (a breaker
	 * further down that is open, load shedding). Counting it would open the breaker on a healthy upstream, or keep
	 * two breakers open out of step. Those refusals are looked for down the cause chain, since the code between two
	 * protections often wraps what it catches (a provider's own exception, Spring AI's {@code ToolExecutionException}).
	 */
	private static boolean isLocal(Throwable thrown) {
		Throwable unwrapped = unwrap(thrown);
		if (unwrapped instanceof VirtualMachineError || unwrapped instanceof RejectedExecutionException
				|| unwrapped instanceof UnsupportedOperationException) {
			return true;
		}
		Throwable cause = unwrapped;
		for (int depth = 0; cause != null && depth < MAX_CAUSE_DEPTH; depth++) {
			if (cause instanceof CircuitOpenException || cause instanceof LoadShedException) {
				return true;
			}
			cause = cause.getCause();
		}
		return false;
	}

	/** Takes off the wrappers that only carry another exception across a thread or a reflective call. */
	private static Throwable unwrap(Throwable thrown) {
		Throwable current = thrown;
		for (int depth = 0; depth < MAX_CAUSE_DEPTH && current.getCause() != null
				&& (current instanceof CompletionException || current instanceof ExecutionException
						|| current instanceof UndeclaredThrowableException
						|| current instanceof InvocationTargetException); depth++) {
			current = current.getCause();
		}
		return current;
	}

	private static void cancel(CompletionStage<?> stage) {
		try {
			stage.toCompletableFuture().cancel(true);
		}
		catch (UnsupportedOperationException ex) {
			// a stage that cannot be cancelled runs to its end; its outcome is then ignored
		}
	}

	private static long saturatedNanos(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

	/**
	 * The permission of one call, from {@link #acquirePermission()}. Exactly one outcome counts: the first of
	 * {@link #onSuccess()}, {@link #onFailure(Throwable)}, {@link #onThrown(Throwable)}, {@link #onIgnore()} or
	 * {@link #close()}; any later report is ignored, so releasing twice is harmless. Safe to report from any thread.
	 */
	public final class Permission implements AutoCloseable {

		private static final VarHandle DONE;

		static {
			try {
				DONE = MethodHandles.lookup().findVarHandle(Permission.class, "done", int.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		private final Epoch epoch;

		private volatile int done;

		private Permission(Epoch epoch) {
			this.epoch = epoch;
		}

		/** Reports that the call succeeded. */
		public void onSuccess() {
			if (complete()) {
				recordSuccess(this.epoch);
			}
		}

		/**
		 * Reports that the call failed. An exception the breaker ignores, a cancellation or an interruption is
		 * recorded as ignored instead.
		 * @param failure what the call threw or completed with
		 */
		public void onFailure(Throwable failure) {
			if (complete()) {
				recordThrown(this.epoch, failure, false);
			}
		}

		/**
		 * Reports what the call threw on this thread, as {@link CircuitBreaker#execute} does: the same as
		 * {@link #onFailure(Throwable)}, except that when this thread is interrupted the call was given up rather than
		 * failed (an I/O client interrupted while it waits throws an exception of its own), and it is recorded as
		 * ignored. Call it on the thread the call failed on, where the failure is seen.
		 * @param thrown what the call threw
		 */
		public void onThrown(Throwable thrown) {
			if (complete()) {
				recordThrown(this.epoch, thrown, Thread.currentThread().isInterrupted());
			}
		}

		/** Reports that the call ended without telling anything about the upstream; a probe's slot is given back. */
		public void onIgnore() {
			if (complete()) {
				recordIgnored(this.epoch, null);
			}
		}

		/** Same as {@link #onIgnore()} when no outcome was reported yet, so try-with-resources never leaks. */
		@Override
		public void close() {
			onIgnore();
		}

		/** @return the state the call was admitted in */
		public CircuitState admittedIn() {
			return this.epoch.state;
		}

		/** @return whether this call switches the reported flag: true exactly once */
		private boolean complete() {
			return this.done == 0 && DONE.compareAndSet(this, 0, 1);
		}

	}

	/**
	 * A breaker's state, failure count and time left, read together.
	 * @param state the state
	 * @param consecutiveFailures as {@link CircuitBreaker#consecutiveFailures()}
	 * @param retryAfter how long until a probe may go through: positive while open, zero otherwise
	 */
	public record Snapshot(CircuitState state, int consecutiveFailures, Duration retryAfter) {

	}

	/** One period of one state, with the counters that period needs. */
	private static final class Epoch {

		private static final VarHandle FAILURES;

		private static final VarHandle SLOTS;

		private static final VarHandle SUCCESSES;

		static {
			try {
				MethodHandles.Lookup lookup = MethodHandles.lookup();
				FAILURES = lookup.findVarHandle(Epoch.class, "failures", int.class);
				SLOTS = lookup.findVarHandle(Epoch.class, "slots", int.class);
				SUCCESSES = lookup.findVarHandle(Epoch.class, "successes", int.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		final CircuitState state;

		/** When an open or half-open epoch began, in clock nanoseconds; unused while closed. */
		final long since;

		/** Consecutive failures since the last success; possibly zero but never negative. */
		volatile int failures;

		/** Half-open: probes admitted that have not given their slot back; at most halfOpenMaxRequests. */
		volatile int slots;

		/** Half-open: probes that succeeded. */
		volatile int successes;

		/**
		 * Half-open: when the latest probe slot was taken (or the period began), written before the slot's
		 * compare-and-set so that whoever sees every slot taken also sees when the last one was.
		 */
		volatile long lastSlotAt;

		/** The period's number: one more than the one it replaced, zero for the first. */
		final long sequence;

		private Epoch(@Nullable Epoch replaced, CircuitState state, long since, int failures) {
			this.sequence = (replaced != null) ? replaced.sequence + 1 : 0;
			this.state = state;
			this.since = since;
			this.failures = failures;
			this.lastSlotAt = since;
		}

		static Epoch closed(@Nullable Epoch replaced) {
			return new Epoch(replaced, CircuitState.CLOSED, 0, 0);
		}

		static Epoch open(Epoch replaced, long now, int failures) {
			return new Epoch(replaced, CircuitState.OPEN, now, failures);
		}

		static Epoch halfOpen(Epoch replaced, long now, int failures) {
			return new Epoch(replaced, CircuitState.HALF_OPEN, now, failures);
		}

		int addFailure() {
			return (int) FAILURES.getAndAdd(this, 1) + 1;
		}

		int addSuccess() {
			return (int) SUCCESSES.getAndAdd(this, 1) + 1;
		}

		boolean tryTakeSlot(int max, long now) {
			for (;;) {
				int taken = this.slots;
				if (taken >= max) {
					return false;
				}
				this.lastSlotAt = now;
				if (SLOTS.compareAndSet(this, taken, taken + 1)) {
					return true;
				}
			}
		}

		void releaseSlot() {
			SLOTS.getAndAdd(this, -1);
		}

	}

	/**
	 * Reports the outcome of a stream's permission as the stream is consumed: the end is a success, an exception from
	 * the upstream a failure, an exception from the consumer's own action a success (the upstream had sent that
	 * element). Not split, so that one outcome stands for the whole stream.
	 */
	private static final class GuardedSpliterator<T extends @Nullable Object> implements Spliterator<T>, Consumer<T> {

		private final Spliterator<T> source;

		private final Permission permission;

		private @Nullable Consumer<? super T> action;

		private boolean inAction;

		/** Whether the upstream has sent an element; read by {@code close}, which may run on another thread. */
		private volatile boolean answered;

		private final @Nullable Predicate<? super T> last;

		GuardedSpliterator(Spliterator<T> source, Permission permission, @Nullable Predicate<? super T> last) {
			this.source = source;
			this.permission = permission;
			this.last = last;
		}

		@Override
		public boolean tryAdvance(Consumer<? super T> action) {
			this.action = action;
			boolean advanced;
			try {
				advanced = this.source.tryAdvance(this);
			}
			catch (Throwable ex) {
				failed(ex);
				throw ex;
			}
			if (!advanced) {
				this.permission.onSuccess();
			}
			return advanced;
		}

		@Override
		public void forEachRemaining(Consumer<? super T> action) {
			this.action = action;
			try {
				this.source.forEachRemaining(this);
			}
			catch (Throwable ex) {
				failed(ex);
				throw ex;
			}
			this.permission.onSuccess();
		}

		@Override
		public void accept(T element) {
			if (!this.answered) {
				this.answered = true;
			}
			if (this.last != null && this.last.test(element)) {
				// the upstream's whole answer has come, whether or not the consumer reads on
				this.permission.onSuccess();
			}
			this.inAction = true;
			this.action.accept(element);
			this.inAction = false;
		}

		private void failed(Throwable ex) {
			if (this.inAction) {
				// the consumer's own code threw on an element the upstream did send
				this.inAction = false;
				this.permission.onSuccess();
			}
			else {
				// read on the consumer's thread: an interrupted read is given up, not failed
				this.permission.onThrown(ex);
			}
		}

		/** The consumer closed the stream: before its end, unless an outcome was reported already. */
		void stopped() {
			if (this.answered) {
				this.permission.onSuccess();
			}
			else {
				this.permission.onIgnore();
			}
		}

		@Override
		public @Nullable Spliterator<T> trySplit() {
			return null;
		}

		@Override
		public long estimateSize() {
			return this.source.estimateSize();
		}

		/**
		 * The source's characteristics but its size: a stream that knows its size answers {@code count()} without
		 * asking for a single element, so the call's outcome would never be reported.
		 */
		@Override
		public int characteristics() {
			return this.source.characteristics() & ~(Spliterator.CONCURRENT | Spliterator.SIZED | Spliterator.SUBSIZED);
		}

		@Override
		public @Nullable Comparator<? super T> getComparator() {
			return this.source.getComparator();
		}

	}

}
