package io.zeroclaw.resilience.backpressure;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Admits work by priority while the number of admitted, unfinished pieces of work (the depth) is low enough, and
 * sheds it otherwise. Plain Java, usable on its own; Spring glue admits {@link Prioritized} calls through it.
 *
 * <h2>Rule</h2> {@link Priority#CRITICAL} work is always admitted. Work of any other priority is shed when
 * {@code depth >= maxQueueDepth}, or when {@code depth / maxQueueDepth} reaches the priority's threshold
 * ({@link BackpressureConfig}). Both conditions collapse, per priority, into one integer <em>limit</em> computed once
 * at construction: work is admitted iff {@code depth < limit(priority)}, where the limit is the smallest depth
 * {@code d} in {@code [1, maxQueueDepth]} with {@code (double) d / maxQueueDepth >= threshold}. The limit is found by
 * evaluating exactly that double comparison around {@code ceil(threshold * maxQueueDepth)}, rather than by trusting the
 * product: {@code 0.07 * 100} is {@code 7.000000000000001}, whose ceiling would admit eight tasks where the ratio rule
 * admits seven. With a depth of 10 and the default thresholds the limits are 5 (BACKGROUND), 7 (LOW), 9 (NORMAL) and 10
 * (HIGH). No floating point is left on the admission path.
 *
 * <h2>Concurrency</h2> Two kinds of counter hold the state. One shared {@code int}, {@code taken}, counts the slots
 * taken from the limits: admitted, unfinished work plus the slots parked in per-thread pools. Beside it sit
 * {@code N} pools ({@code N} twice the processors rounded up to a power of two, at most 64), each a {@code long} on a
 * 128-byte stretch of its own: the low 32 bits count free slots, the high 32 bits a version bumped by every change. A
 * thread uses the pool its id selects. The true depth {@code D} is the work admitted and not yet closed, and
 * {@code taken = D + free + inFlight}, where {@code free} is the sum of the pools and {@code inFlight} counts the slots
 * a thread has just taken out of a pool or a flush, for the few instructions until it has put them back or used them.
 * Every term is non-negative, so {@code D <= taken - free} at every instant.
 * <ul>
 * <li>A close <em>parks</em> its slot in the thread's pool (one CAS on the pool; {@code taken} unchanged) while the
 * pool holds fewer than {@code k} slots. An empty pool starts to fill only while {@code taken} is at least
 * {@code N * k} (every pool full) below the lowest limit, so that a shed's flush, which empties every pool, is not
 * undone at once while the depth stays near a limit; a pool that already holds slots takes more without reading
 * {@code taken}, whose cache line admissions on other threads write. A close that finds its pool full
 * <em>spills</em>: it takes the upper half of the pool out and lowers {@code taken} by those slots and its own in one
 * step, counted as a flush (below). A thread that only closes, as an executor's worker does, so writes {@code taken}
 * once per {@code k - k / 2 + 1} closes (with {@code k} of 1, every other close, and the close between reads it).
 * Where the pool cannot be changed (a race with a thread on the same pool), the close decrements {@code taken}.</li>
 * <li>A non-critical admission first <em>takes</em> a slot from its pool (CAS {@code f -> f - 1}, {@code f > 0}) and
 * only then reads {@code taken}. Holding the slot, it knows {@code D <= taken - 1} at the instant of that read, so
 * {@code taken <= limit} proves {@code D < limit} there, and the admission takes effect at that read. The order
 * matters: checking {@code taken} before the take would prove nothing, since other threads may raise {@code taken}
 * between the check and the CAS. If the check fails the slot goes back to {@code taken} and the admission takes the
 * slow path.</li>
 * <li>The slow path is the single-counter algorithm: read {@code taken}, give up if it is at or above the limit,
 * otherwise compare-and-set it from the value read to one more. No interleaving can take {@code taken}, and so
 * {@code D}, to or past a limit through non-critical admissions: with a limit of 1, two racing threads cannot both go
 * from 0 to 1. (The reference implementation's first version checked and incremented in separate steps, and
 * over-admitted under contention.) Because {@code taken} counts parked slots, this check may see a depth that is too
 * high; so before shedding, the admission <em>flushes</em> every pool ({@code free -> 0} per pool, then
 * {@code taken -= flushed}) and checks again. Only then is the work shed, and only on a read of {@code taken} that
 * no other thread's flush overlapped: between emptying a pool and lowering {@code taken} a flush holds slots that
 * are in neither, so flushes count themselves as they start and as they end, and a shed that saw them differ reads
 * again, for a bounded while.</li>
 * <li>{@link #depth()} sums the pools, reads {@code taken}, sums the pools again and retries unless the sums, versions
 * included, are equal. Every change to a pool adds {@code 2^32} plus a small count to its word, so equal sums mean no
 * pool changed in between (short of four billion changes inside one read), and {@code taken - free} is then a snapshot
 * taken at the read of {@code taken}: it equals {@code D + inFlight}, never less than {@code D}. A depth of zero is
 * therefore true at that instant, which {@link #awaitDrained(Duration)} relies on. Over-counting by
 * {@code inFlight} is harmless and lasts a few instructions. Should the pools keep changing through 16 attempts, as
 * they may under heavy churn, {@code depth()} returns {@code taken} itself: too high by the parked slots, never too
 * low, and without spinning on.</li>
 * <li>Critical admissions increment {@code taken} with a plain atomic add: they have no limit to respect.</li>
 * </ul>
 * The pool capacity is {@code k = min(64, lowestLimit / (4 * N))}, so all pools together hold at most a quarter of the
 * lowest limit. When {@code k} is zero (a lowest limit below {@code 4 * N}: a small queue, or a low BACKGROUND
 * threshold) there are no pools, and every admission and close uses {@code taken} alone, exactly as the single-counter
 * algorithm. Pools are never refilled in bulk from {@code taken}: a thread's pool fills with the slots its own closes
 * park, which is enough for the usual admit-then-close pattern, and avoids a two-step reservation whose intermediate
 * state a concurrent shed would have to allow for. What remains inexact is only the shed side, and only inside
 * instruction-sized windows, where a shed counts as depth: a slot a take is about to give back (its pool's slot taken,
 * {@code taken} found too high), at most one per thread admitting at that instant; the slots of one pool a flush or a
 * spill has taken out, if it is stopped (descheduled) between the pool and {@code taken} for longer than a shed waits
 * for it; and slots parked between a shed's last flush and its last read, at most one per thread closing in that window
 * (a few instructions wide, unless the shedding thread is stopped in it). Slots parked earlier, however near the limit,
 * are no such window: the shed flushes them first. No admission is ever granted at or above its limit. The limits live
 * in an array published through a volatile field, so {@link #stopAccepting()} swaps in limits of zero. An admission
 * reads that field again once it holds its slot, and gives the slot back if {@code stopAccepting()} came in between:
 * otherwise a drain that had already seen the queue empty could return while work it never saw was admitted.
 *
 * <h2>Cost</h2> In steady state an admit reads the limits, CASes its own pool, reads {@code taken} and reads the
 * limits' field again (a line no one writes but {@code stopAccepting()}); a close CASes its own pool, and reads
 * {@code taken} when the pool was empty (one admission open at a time on a thread swings its pool between 0 and 1).
 * {@code taken}'s cache line is written only at a high depth (below), by critical work, or when a pool is empty or
 * full, so with each thread on its own pool two threads share only read-only lines and the ping-pong of a single
 * contended counter is gone. Work admitted on one thread and closed on another costs the admitting thread a CAS on
 * {@code taken} per admission, and the closing thread, once its pool holds slots, one spill per {@code k - k / 2 + 1}
 * closes: three atomic additions on {@code taken}'s line (the flush counters and {@code taken}). A depth above the
 * lowest limit less {@code N * k} keeps an empty pool empty whatever the priorities of the work (with the defaults on 2
 * processors, above 376 of 1 000, though NORMAL work is admitted up to 850), and a shed empties them all, so there,
 * with pools drained, the cost is the single-counter one: a CAS on {@code taken} to admit, an atomic decrement to
 * close, plus one read of every pool per shed. How much the pools save depends on {@code k}: the default depth of 1 000
 * gives {@code k = 31} on 2 processors, 7 on 8, 1 on 32 or more; a larger depth gives more. Pools cost
 * {@code (N + 2) * 128} bytes per controller. Two threads whose ids select the same pool contend on it as on a single
 * counter, no worse.
 *
 * <h2>Admissions</h2> Each admission is a small object whose one plain field, its controller, is cleared by its
 * first close, so closing it twice releases once. The field is deliberately not atomic. Guarding it with a CAS made
 * an admit-and-close about 75% dearer (a third atomic instruction, and an object that can no longer be
 * scalar-replaced once it is the target of a CAS), for the one case of two threads closing the same admission at the
 * same instant. An admission is owned by one piece of work: closing it from the thread that admitted it, or from any
 * thread it was handed to with a happens-before edge (an executor, a future, a lock), is safe however often it is
 * repeated. Handed over without one (a plain field read by another thread, a data race), it may look closed already
 * to the other thread, and its slot is then never given back. Code that may race two closers, as asynchronous work
 * cancelled while it runs may, must put its own once-only guard in front, which the Spring glue does.
 * When admit and close are inlined, as in a try-with-resources block, the JIT's escape analysis can remove the
 * allocation altogether: measured so, admit-and-close costs the same as the bare counter operations.
 *
 * <h2>Draining</h2> {@link #stopAccepting()} makes every non-critical admission fail, and
 * {@link #awaitDrained(Duration)} blocks until the depth is zero. Every step that may lower the depth (a close, a
 * flush, a slot given back) then reads one volatile counter of waiters, and only when someone is waiting computes the
 * depth and, at zero, takes a monitor to wake them. A waiter raises the counter before it reads the depth, so whichever
 * step lowers the depth last either sees the waiter or is seen by it.
 */
public final class BackpressureController {

	private static final VarHandle TAKEN;

	private static final VarHandle FLUSHES_STARTED;

	private static final VarHandle FLUSHES_ENDED;

	private static final VarHandle POOLS = MethodHandles.arrayElementVarHandle(long[].class);

	private static final int UNLIMITED = Integer.MAX_VALUE;

	private static final Priority[] PRIORITIES = Priority.values();

	/** Longs between two pools: 128 bytes, so that adjacent-line prefetch does not pair them either. */
	private static final int POOL_STRIDE = 16;

	/** Added to a pool's word by every change, so that a change can be detected by the word alone. */
	private static final long VERSION = 1L << 32;

	private static final int MAX_POOLS = 64;

	private static final int MAX_POOL_CAPACITY = 64;

	/** How often a shed spins, then yields, waiting for another thread's flush to end, before it sheds anyway. */
	private static final int FLUSH_SPINS = 1_000;

	private static final int FLUSH_YIELDS = 100;

	/** Consistent reads {@link #depth()} tries before it settles for the shared count, an over-estimate. */
	private static final int DEPTH_READ_ATTEMPTS = 16;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			TAKEN = lookup.findVarHandle(SharedCountValue.class, "taken", int.class);
			FLUSHES_STARTED = lookup.findVarHandle(SharedCountValue.class, "flushesStarted", int.class);
			FLUSHES_ENDED = lookup.findVarHandle(SharedCountValue.class, "flushesEnded", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final BackpressureConfig config;

	private final @Nullable BackpressureListener listener;

	/** The per-priority limits while accepting, indexed by {@link Priority#ordinal()}. */
	private final int[] acceptingLimits;

	/** The per-priority limits while draining: only critical work gets in. */
	private final int[] drainingLimits;

	/** One of the two arrays above; swapped, never written into. */
	private volatile int[] limits;

	/**
	 * Slots taken from the limits ({@link SharedCount#taken}) and the flush counters, on a cache line of their own:
	 * every admission that misses the pools writes it (work admitted on one thread and closed on another, as
	 * {@code @Async} work is, always does, and its closes do when they spill), and sharing a line with the fields
	 * every admission reads would make each of those reads a miss.
	 */
	private final SharedCount shared = new SharedCount();

	/**
	 * The pools, pool {@code i} at index {@code (i + 1) * POOL_STRIDE} with padding on both sides; {@code null} when
	 * the queue is too small for pools. Each word is a version (high 32 bits) and a count of free slots (low 32 bits).
	 */
	private final long @Nullable [] pools;

	/** {@code poolCount - 1}, to select a pool from a thread id. */
	private final int poolMask;

	/** The most free slots a close parks in one pool. */
	private final int poolCapacity;

	/**
	 * A close starts filling an empty pool only while {@code taken} is at most this: the lowest limit less what all
	 * pools hold when full (at least three quarters of the lowest limit).
	 */
	private final int parkCeiling;

	/** Threads blocked in {@link #awaitDrained(Duration)}, read by every step that may empty the queue. */
	private volatile int drainWaiters;

	private final Object drainLock = new Object();

	/**
	 * Creates a controller that reports to no listener.
	 * @param config the depth and thresholds
	 */
	public BackpressureController(BackpressureConfig config) {
		this(config, null);
	}

	/**
	 * Creates a controller.
	 * @param config the depth and thresholds
	 * @param listener told of every admission and shed, or {@code null} for none
	 */
	public BackpressureController(BackpressureConfig config, @Nullable BackpressureListener listener) {
		this(config, listener, defaultPoolCount());
	}

	/**
	 * Creates a controller with a given number of pools, so that tests can pin it whatever the machine.
	 * @param poolCount a power of two
	 */
	BackpressureController(BackpressureConfig config, @Nullable BackpressureListener listener, int poolCount) {
		if (poolCount < 1 || Integer.bitCount(poolCount) != 1) {
			throw new IllegalArgumentException("poolCount must be a power of two, was " + poolCount);
		}
		this.config = Objects.requireNonNull(config, "config");
		this.listener = listener;
		this.acceptingLimits = new int[PRIORITIES.length];
		this.drainingLimits = new int[PRIORITIES.length];
		int lowestLimit = UNLIMITED;
		for (Priority priority : PRIORITIES) {
			int limit = computeLimit(config, priority);
			this.acceptingLimits[priority.ordinal()] = limit;
			this.drainingLimits[priority.ordinal()] = (priority == Priority.CRITICAL) ? UNLIMITED : 0;
			lowestLimit = Math.min(lowestLimit, limit);
		}
		this.limits = this.acceptingLimits;
		this.poolCapacity = Math.min(MAX_POOL_CAPACITY, lowestLimit / (4 * poolCount));
		this.pools = (this.poolCapacity > 0) ? new long[(poolCount + 2) * POOL_STRIDE] : null;
		this.poolMask = poolCount - 1;
		this.parkCeiling = lowestLimit - poolCount * this.poolCapacity;
	}

	private static int defaultPoolCount() {
		int wanted = 2 * Runtime.getRuntime().availableProcessors();
		return Math.min(MAX_POOLS, Integer.highestOneBit(Math.max(1, wanted - 1)) << 1);
	}

	/**
	 * The depth at which work of a priority stops being admitted: the smallest {@code d >= 1} whose fill ratio reaches
	 * the threshold, capped at the maximum. Evaluates the same double comparison the ratio rule states, so that the
	 * rounding of {@code threshold * max} cannot move the limit.
	 */
	static int computeLimit(BackpressureConfig config, Priority priority) {
		if (priority == Priority.CRITICAL) {
			return UNLIMITED;
		}
		int max = config.maxQueueDepth();
		double threshold = config.shedThreshold(priority);
		int limit = (int) Math.min(max, Math.ceil(threshold * max));
		while (limit > 1 && reaches(limit - 1, max, threshold)) {
			limit--;
		}
		while (limit < max && !reaches(limit, max, threshold)) {
			limit++;
		}
		return Math.max(1, limit);
	}

	private static boolean reaches(int depth, int max, double threshold) {
		return (double) depth / max >= threshold;
	}

	/**
	 * Admits work of the given priority, or sheds it.
	 * @param priority how important the work is
	 * @return the admission, to close when the work has finished
	 * @throws LoadShedException when the work is shed; nothing was admitted
	 * @throws NullPointerException if {@code priority} is {@code null}; nothing was admitted
	 */
	public Admission admit(Priority priority) {
		Objects.requireNonNull(priority, "priority must not be null");
		int[] limits = this.limits;
		int limit = limits[priority.ordinal()];
		if (limit == UNLIMITED) {
			TAKEN.getAndAdd(this.shared, 1);
		}
		else {
			if (!takeFromPool(limit)) {
				admitShared(priority, limit);
			}
			if (this.limits != limits && this.limits == this.drainingLimits) {
				// stopAccepting() came between reading the limit and taking the slot, and a drain may already have
				// seen the queue empty: give the slot back and shed, as if the admission had come after it
				release();
				throw shed(priority, depth());
			}
		}
		BackpressureListener listener = this.listener;
		if (listener != null) {
			try {
				listener.onAdmitted(priority);
			}
			catch (Exception ex) {
				// the slot is taken and goes to the caller: a failing listener must not leak it (a checked exception
				// sneaked out of a Kotlin listener included), nor lose an interrupt
				keepInterrupt(ex);
			}
			catch (Throwable ex) {
				// an error is not swallowed, but the caller gets no admission to close: give the slot back
				release();
				throw ex;
			}
		}
		return new Slot(this);
	}

	/**
	 * Admits from the calling thread's pool: takes a slot, then proves with one read of {@code taken} that the depth
	 * was below the limit at that read; gives the slot back to {@code taken} if it cannot.
	 */
	private boolean takeFromPool(int limit) {
		long[] pools = this.pools;
		if (pools == null) {
			return false;
		}
		int index = poolIndex();
		long word = (long) POOLS.getVolatile(pools, index);
		if ((int) word <= 0 || !POOLS.compareAndSet(pools, index, word, word + VERSION - 1)) {
			return false;
		}
		if (this.shared.taken <= limit) {
			return true;
		}
		TAKEN.getAndAdd(this.shared, -1);
		signalIfDrained();
		return false;
	}

	/**
	 * The single-counter admission, with one flush of the pools before it sheds. A shed stands on a read of
	 * {@code taken} that no flush overlapped (as many flushes had ended before the read as had started after it):
	 * a flush by another thread holds the slots it has just taken out of a pool in neither that pool nor a lower
	 * {@code taken} for an instant, and racing admissions at a limit all flush at once. The wait for other flushes is
	 * bounded (spins, then yields): a flusher stopped for longer (descheduled, suspended) must not hold up every
	 * shed, and then the shed counts at most one pool's slots of it as depth. A shed that waited flushes once more
	 * before it stands, since closes may have parked slots meanwhile.
	 */
	private void admitShared(Priority priority, int limit) {
		boolean flushed = false;
		boolean flushedAfterWaiting = false;
		int waits = 0;
		while (true) {
			int ended = this.shared.flushesEnded;
			int current = this.shared.taken;
			if (current < limit) {
				if (TAKEN.compareAndSet(this.shared, current, current + 1)) {
					return;
				}
			}
			else if (!flushed) {
				flushPools();
				flushed = true;
			}
			else if (this.shared.flushesStarted == ended || waits >= FLUSH_SPINS + FLUSH_YIELDS) {
				if (waits == 0 || flushedAfterWaiting) {
					throw shed(priority, current);
				}
				flushPools();
				flushedAfterWaiting = true;
			}
			else if (waits++ < FLUSH_SPINS) {
				Thread.onSpinWait();
			}
			else {
				// the flusher may be waiting for this core
				Thread.yield();
			}
		}
	}

	/** Moves every pool's free slots back to {@code taken}. */
	private void flushPools() {
		long[] pools = this.pools;
		if (pools == null || !anyFree(pools)) {
			// nothing to move: no flush for other sheds to wait for (near a limit the pools are mostly empty)
			return;
		}
		int flushed = 0;
		FLUSHES_STARTED.getAndAdd(this.shared, 1);
		try {
			for (int index = POOL_STRIDE; index < pools.length - POOL_STRIDE; index += POOL_STRIDE) {
				long word;
				do {
					word = (long) POOLS.getVolatile(pools, index);
				}
				while ((int) word > 0 && !POOLS.compareAndSet(pools, index, word, word + VERSION - (int) word));
				if ((int) word > 0) {
					// at once, pool by pool: slots in neither place for as short a time as can be
					TAKEN.getAndAdd(this.shared, -(int) word);
					flushed += (int) word;
				}
			}
		}
		finally {
			FLUSHES_ENDED.getAndAdd(this.shared, 1);
		}
		if (flushed > 0) {
			signalIfDrained();
		}
	}

	private static boolean anyFree(long[] pools) {
		for (int index = POOL_STRIDE; index < pools.length - POOL_STRIDE; index += POOL_STRIDE) {
			if ((int) (long) POOLS.getVolatile(pools, index) > 0) {
				return true;
			}
		}
		return false;
	}

	@SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; getId() is the same number
	private int poolIndex() {
		return (((int) Thread.currentThread().getId() & this.poolMask) + 1) * POOL_STRIDE;
	}

	private LoadShedException shed(Priority priority, int depth) {
		BackpressureListener listener = this.listener;
		if (listener != null) {
			try {
				listener.onShed(priority, depth);
			}
			catch (Exception ex) {
				// the caller is told of the shed by the exception, whatever the listener does
				keepInterrupt(ex);
			}
		}
		return new LoadShedException(priority, depth, this.limits == this.drainingLimits);
	}

	private static void keepInterrupt(Exception dropped) {
		if (dropped instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
	}

	private void release() {
		long[] pools = this.pools;
		if (pools != null) {
			int index = poolIndex();
			long word = (long) POOLS.getVolatile(pools, index);
			int free = (int) word;
			if (free < this.poolCapacity) {
				// a pool that holds slots takes one more without reading taken, whose line the admitting threads
				// write; an empty pool starts filling only a full set of pools below the lowest limit
				if ((free > 0 || this.shared.taken <= this.parkCeiling)
						&& POOLS.compareAndSet(pools, index, word, word + VERSION + 1)) {
					signalIfDrained();
					return;
				}
			}
			else if (spill(pools, index, word)) {
				return;
			}
			TAKEN.getAndAdd(this.shared, -1);
			signalIfDrained();
			return;
		}
		int remaining = (int) TAKEN.getAndAdd(this.shared, -1) - 1;
		if (remaining == 0 && this.drainWaiters != 0) {
			signalDrained();
		}
	}

	/**
	 * Gives the closing slot and the upper half of a full pool back to {@code taken} in one step, so that a thread
	 * that only closes (an executor's worker) writes {@code taken} once per half a pool rather than once per close.
	 * Counted as a flush: between the pool and {@code taken} the slots are in neither.
	 * @return whether the slots went back; if not (the pool changed under the compare-and-set), nothing moved
	 */
	private boolean spill(long[] pools, int index, long word) {
		int spilled = (int) word - this.poolCapacity / 2;
		FLUSHES_STARTED.getAndAdd(this.shared, 1);
		try {
			if (!POOLS.compareAndSet(pools, index, word, word + VERSION - spilled)) {
				return false;
			}
			TAKEN.getAndAdd(this.shared, -(spilled + 1));
		}
		finally {
			FLUSHES_ENDED.getAndAdd(this.shared, 1);
		}
		signalIfDrained();
		return true;
	}

	/** Called after every step that may lower the depth; costs one volatile read unless someone is waiting. */
	private void signalIfDrained() {
		if (this.drainWaiters != 0 && depth() == 0) {
			signalDrained();
		}
	}

	private void signalDrained() {
		synchronized (this.drainLock) {
			this.drainLock.notifyAll();
		}
	}

	/**
	 * @return the admitted work that has not finished yet; never negative. Under concurrent admissions it may count
	 * slots that are moving between a pool and the shared count, or, under heavy churn, parked slots; it never misses
	 * admitted work.
	 */
	public int depth() {
		long[] pools = this.pools;
		if (pools == null) {
			return this.shared.taken;
		}
		for (int attempt = 0; attempt < DEPTH_READ_ATTEMPTS; attempt++) {
			long before = sumPools(pools);
			int taken = this.shared.taken;
			long after = sumPools(pools);
			if (before == after) {
				// the low 32 bits of the sum are the free slots: versions only add multiples of 2^32
				return Math.max(0, taken - (int) after);
			}
			Thread.onSpinWait();
		}
		// pools kept changing under the reads: the shared count alone never under-counts
		return this.shared.taken;
	}

	private static long sumPools(long[] pools) {
		long sum = 0;
		for (int index = POOL_STRIDE; index < pools.length - POOL_STRIDE; index += POOL_STRIDE) {
			sum += (long) POOLS.getVolatile(pools, index);
		}
		return sum;
	}

	/**
	 * @return the free slots parked in pools at this moment; for tests
	 */
	int pooledSlots() {
		long[] pools = this.pools;
		return (pools != null) ? (int) sumPools(pools) : 0;
	}

	/**
	 * @return the most free slots one pool holds; zero when pools are disabled
	 */
	int poolCapacity() {
		return this.poolCapacity;
	}

	/**
	 * @return the number of pools the calling thread's id is reduced to
	 */
	int poolCount() {
		return this.poolMask + 1;
	}

	/**
	 * @return the most admitted, unfinished work before only critical work gets in
	 */
	public int maxQueueDepth() {
		return this.config.maxQueueDepth();
	}

	/**
	 * @return the configuration this controller was built with
	 */
	public BackpressureConfig config() {
		return this.config;
	}

	/**
	 * The depth below which work of a priority is admitted while accepting.
	 * @param priority a priority
	 * @return its limit; {@code Integer.MAX_VALUE} for {@link Priority#CRITICAL}
	 */
	public int limit(Priority priority) {
		return this.acceptingLimits[priority.ordinal()];
	}

	/**
	 * Sheds every non-critical admission from now on, for a graceful shutdown. Work already admitted is unaffected.
	 */
	public void stopAccepting() {
		this.limits = this.drainingLimits;
	}

	/**
	 * Admits work by the normal rule again after {@link #stopAccepting()}.
	 */
	public void resumeAccepting() {
		this.limits = this.acceptingLimits;
	}

	/**
	 * @return whether non-critical work may be admitted, that is {@link #stopAccepting()} is not in effect
	 */
	public boolean isAccepting() {
		return this.limits == this.acceptingLimits;
	}

	/**
	 * Blocks until every admitted piece of work has finished, or the timeout passes. Usually called after
	 * {@link #stopAccepting()}, or new work may keep the depth above zero.
	 * @param timeout the longest to wait; zero or negative only checks
	 * @return whether the depth reached zero
	 * @throws InterruptedException if the waiting thread is interrupted
	 */
	public boolean awaitDrained(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + Math.max(0, toNanos(timeout));
		synchronized (this.drainLock) {
			this.drainWaiters++;
			try {
				// The waiter count is raised before the depth is read, and every step that lowers the depth reads it
				// afterwards, so the step that empties the queue after this check is sure to see a waiter and notify.
				while (depth() != 0) {
					long remaining = deadline - System.nanoTime();
					if (remaining <= 0) {
						return false;
					}
					TimeUnit.NANOSECONDS.timedWait(this.drainLock, remaining);
				}
				return true;
			}
			finally {
				this.drainWaiters--;
			}
		}
	}

	/** A timeout in nanoseconds; one past what a long holds as about 146 years, or as none when negative. */
	private static long toNanos(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return duration.isNegative() ? 0 : Long.MAX_VALUE / 2;
		}
	}

	@Override
	public String toString() {
		return "BackpressureController[depth=" + depth() + ", maxQueueDepth=" + this.config.maxQueueDepth()
				+ ", accepting=" + isAccepting() + "]";
	}

	/**
	 * One admission: releases its controller's slot the first time it is closed. Not safe for two threads closing at
	 * the same instant; see the class comment. Its one field is the controller until the first close and
	 * {@code null} after it, which keeps the object at 16 bytes (a separate flag would make it 24): four to a cache
	 * line, allocated on the admitting thread and, for {@code @Async} work, read and written on another.
	 */
	private static final class Slot implements Admission {

		private @Nullable BackpressureController controller;

		Slot(BackpressureController controller) {
			this.controller = controller;
		}

		@Override
		public void close() {
			BackpressureController controller = this.controller;
			if (controller != null) {
				this.controller = null;
				controller.release();
			}
		}

		@Override
		public String toString() {
			return "Admission[released=" + (this.controller == null) + "]";
		}

	}

	/**
	 * Padding ahead of {@link SharedCountValue#taken}: a superclass's fields are laid out first. The {@code int} fills
	 * the gap after a 12-byte object header, where HotSpot (since JDK 15) would otherwise place the subclass's
	 * {@code int}, ahead of the longs.
	 */
	abstract static class SharedCountPadding {

		int p00;

		long p01, p02, p03, p04, p05, p06, p07, p08;

	}

	abstract static class SharedCountValue extends SharedCountPadding {

		/**
		 * Slots taken from the limits: admitted, unfinished work plus the slots parked in pools (and, for a few
		 * instructions, slots in flight between the two). Never negative.
		 */
		volatile int taken;

		/**
		 * Flushes begun and flushes done: a flush empties pools before it lowers {@code taken} by what it found, and
		 * while the two counts differ {@code taken} may count slots that are in neither. Written by flushes only, on
		 * the line of {@code taken}, which an admission that reads them reads next.
		 */
		volatile int flushesStarted;

		volatile int flushesEnded;

	}

	/** The shared count with padding on both sides, so that no other field shares its cache line. */
	static final class SharedCount extends SharedCountValue {

		long p11, p12, p13, p14, p15, p16, p17, p18;

	}

}
