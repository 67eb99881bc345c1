package io.zeroclaw.resilience.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory {@link RateLimiter}: one token bucket per key, in this JVM only.
 *
 * <h2>Algorithm</h2>
 * Each bucket is a single {@code long}, its <em>theoretical arrival time</em> (TAT), as in the Generic Cell Rate
 * Algorithm of ATM networks (ITU-T I.371) that many API gateways use for token buckets. With the emission interval
 * {@code T = window / requestsPerWindow} (the time one token takes to refill) and the tolerance
 * {@code tau = capacity * T} (the time an empty bucket takes to fill), a bucket at time {@code now} holds
 * {@code (tau - max(0, tat - now)) / T} tokens. Taking {@code n} tokens moves the TAT to
 * {@code max(tat, now) + n * T}, which is allowed if the new TAT is at most {@code now + tau}. This is exactly a token
 * bucket of {@code capacity} tokens refilled continuously at {@code requestsPerWindow / window}; the difference is
 * that the whole state is one number, so a decision is one volatile read and, when allowed, one compare-and-set on
 * that number. There is no lock, and no state object to allocate per decision. A refused request writes nothing,
 * so an exhausted key hammered by a client costs readers only.
 * <p>
 * Every quantity is an integer number of nanoseconds: {@code T} is rounded <em>up</em> to a whole nanosecond (at
 * least 1), so the limiter never lets through more than the policy's rate, and {@code retryAfter} is exact in the
 * limiter's own arithmetic: a client who waits it is allowed. Times are kept relative to the clock's reading at
 * construction so that sums stay far from overflow; a policy whose empty bucket takes more than about 73 years to
 * refill is refused with {@link IllegalArgumentException}. A policy with {@code requestsPerWindow = 0} never
 * refills: its TAT degenerates into a count of tokens used (at most 2<sup>61</sup>, which caps a larger
 * {@code burst}), and a refused request's {@code retryAfter} is {@link #NEVER}.
 *
 * <h2>Hot keys</h2>
 * One number per key means that every allowed decision on a key writes the same word, so when several cores decide
 * for one busy key at once, the cache line holding it travels between them on every decision and that transfer, not
 * the arithmetic, becomes the cost. A key whose compare-and-set fails twice within one single-permit decision is split
 * into {@code S} <em>stripes</em> ({@code S} is twice the processors, as a power of two): independent GCRA buckets on
 * separate cache lines, each with a share of the capacity (shares differ by at most one token) and an emission
 * interval of {@code S * T}, so that together they refill at the policy's rate. A caller takes from its own stripe,
 * chosen by its thread, and only when that stripe is empty from the others in turn; a request is refused only when
 * no stripe can serve it. Each stripe admits at most its share plus its rate times any interval, so all of them
 * together admit at most {@code capacity + rate * interval}: striping can never let through more than the policy.
 * What it can do is lag: tokens refill in fractions spread over the stripes, and a stripe holds at most its share,
 * so while a stripe is full the refill it cannot hold is lost. A caller whose own stripe is empty and who has to
 * borrow while some stripe is full (the key's contention has passed, or few threads use it) therefore merges the key
 * back into one bucket, which loses nothing more, until contention splits it again. Before that a striped key can
 * refuse tokens the exact bucket would allow, by two amounts: the refill its stripes hold as fractions of a token,
 * fewer than {@code S} tokens in all (so a key kept at its limit gets its tokens {@code S} at a time, every
 * {@code S * T}); and the refill lost by stripes that stay full while their callers' own stripes drain, which with
 * {@code k} of the stripes in use can reach {@code S - k} shares (nearly the whole capacity when one or two threads
 * of a many-core machine keep using a key once split). It is a burst that feels it: a key used below its rate is
 * hardly ever refused, since its callers borrow, and so merge, before a refusal. That is why only policies of at
 * least 1 000 requests a second are ever striped (slower policies are hardly ever contended, since a refused
 * decision writes nothing), and why policies with fewer tokens than stripes are not.
 * <p>
 * Splitting keeps exactly the bucket's tokens: its debt ({@code tat - now}) is shared out in whole tokens, and the
 * fraction left over goes whole to one stripe. The bucket's own number then reads {@code STRIPED}. A request for
 * more permits than any one stripe holds, but no more than all of them, merges the stripes back into one number
 * (their debts summed, rounded up so that no token is created) and is decided there. Splitting, merging and the
 * sweep take a bucket with a compare-and-set to {@code FREEZING} and then freeze the stripes one by one with a
 * compare-and-set to {@code DEAD}, so that no take can land on a stripe whose value is being read for good; a taker
 * that meets a frozen stripe waits for the bucket to leave {@code FREEZING} and starts its decision over.
 * <p>
 * On a striped key {@code remaining} and {@code resetAfter} are estimates from the stripe the decision came from
 * (reading the other stripes would bring back the cache-line traffic striping removes): its whole tokens times
 * {@code S}, which overstates what is left when the other stripes are emptier, and understates it by up to about
 * {@code 2 * S} tokens when they are fuller (when the shares are one or two tokens, a nearly full key can read 0).
 * {@code retryAfter} of a single-permit refusal is the soonest any stripe has a token again, which is exact for that
 * stripe; of a refusal of several permits, the sooner of that and the time until every stripe is full, which always
 * suffices but can be longer than needed. A refusal of several permits that the stripes hold together, though no one
 * of them alone, merges the key and is decided there, so it writes.
 *
 * <h2>Bounded memory</h2>
 * The buckets live in a {@link ConcurrentHashMap} from key to a small bucket object, holding at most {@code maxKeys}
 * entries; a slot counter is reserved before an insert, so the bound holds under races. A bucket may be dropped only
 * when it is full again ({@code tat <= now}), because a new key starts full and nothing is then forgotten. Dropping
 * is done by sweeps, each over the next {@value #SWEEP_CHUNK} entries of a pass over the table (chunk after chunk,
 * up to sixteen, while none has freed a slot), run by one thread at a time (others do not wait), by a new key: when it
 * finds the table full, at most once a millisecond, otherwise at most once a second (so that keys gone idle are
 * dropped while the table has room too, and the count of tracked keys comes down with them, down to a quarter of
 * the most it held once that was more than {@value #DENSE_ENOUGH_TO_SWEEP}: the map keeps the capacity of its peak,
 * and a pass over few keys in a large map walks its empty bins); and between passes only
 * once the earliest TAT the last pass saw, or inserted since, has passed: a flood of new keys costs each one or two
 * volatile reads, and the one that sweeps at most some hundreds of microseconds, never a scan of a whole large table.
 * A key already in the table pays nothing for any of it. A dropped bucket is first marked {@code DEAD} by a
 * compare-and-set from the full value it was seen with, so a thread that raced to take from it notices and starts
 * over with a fresh lookup; a take is therefore never applied to a bucket that is no longer in the table.
 * <p>
 * When every slot holds a key whose bucket is not full, a new key is not given a slot: evicting an active key would
 * hand its client a fresh, full bucket. The newcomer is served instead from one shared overflow bucket with the
 * policy's own capacity and rate. Overflow decisions are counted ({@link #overflowDecisions()}) and logged at WARN at
 * most once a minute, so that an operator raises {@code max-keys} or looks for a key flood.
 * <p>
 * Keys longer than {@value #MAX_KEY_LENGTH} characters are stored as their SHA-256 digest, so that a client cannot
 * make one entry's key cost more than its 256 characters, and cannot pick a long key that collides with another
 * client's. A short key that itself starts with the digest's prefix {@code sha256:} is hashed as well, so that no key
 * can be spelled to name another key's digest.
 *
 * <h2>Cost</h2>
 * A decision for a known key is one hash lookup, one volatile read, at most one CAS (retried only when another thread
 * changed the same bucket in between) and, unless the bucket was full before it (the answer is then always the same,
 * made once), the allocation of the {@link RateLimitDecision} with its {@code resetAfter}. Per tracked key the limiter
 * holds a map node (32 bytes), a bucket (24 bytes: its TAT and a reference to stripes that only hot keys have,
 * {@code 128 * (S + 2)} bytes of them) and one or two table slots (4 bytes each with compressed references): about 60
 * to 70 bytes besides the key string, which is the caller's own unless it was hashed. A flood of new keys on a full
 * table costs each newcomer a failed lookup, two volatile reads and a decision from the overflow bucket: no insert, no
 * scan.
 */
public final class LocalRateLimiter implements RateLimiter {

	/**
	 * The {@code retryAfter} of a request that can never be allowed (more permits than the capacity, or a policy that
	 * never refills and is exhausted), and the {@code resetAfter} of a bucket that never refills: about 292 billion
	 * years, which {@code Retry-After} renders as a huge whole number of seconds rather than a short wait.
	 */
	public static final Duration NEVER = Duration.ofSeconds(Long.MAX_VALUE);

	private static final Logger logger = LoggerFactory.getLogger(LocalRateLimiter.class);

	static final int MAX_KEY_LENGTH = 256;

	/**
	 * Marks a bucket being dropped from the table, and a stripe frozen by a sweep or a merge; real TATs are relative
	 * times that never get this low.
	 */
	private static final long DEAD = Long.MIN_VALUE;

	/** Marks a bucket whose state lives in its stripes. */
	private static final long STRIPED = Long.MIN_VALUE + 1;

	/** Marks a striped bucket whose stripes one thread is freezing, to sweep or merge them; others wait. */
	private static final long FREEZING = Long.MIN_VALUE + 2;

	/** What {@code merge} answers when another thread was freezing the bucket; never a time until full. */
	private static final long NOT_MERGED = -1;

	/** Failed compare-and-sets on one bucket within one decision that make the bucket striped. */
	private static final int STRIPE_AFTER_FAILURES = 2;

	/**
	 * Largest emission interval of a policy whose hot keys are striped: a policy of at least 1 000 requests a second.
	 * Slower policies are hardly ever contended on an allowed decision (a refusal writes nothing), and a striped bucket
	 * can lag the exact one (see the class comment).
	 */
	private static final long MAX_STRIPED_INTERVAL = TimeUnit.MILLISECONDS.toNanos(1);

	/** Longs between two stripes' cells: 128 bytes, so that no two stripes share a cache line or its prefetch pair. */
	private static final int CELL_STRIDE = 16;

	/** Returned by the striped path when the bucket changed shape under it and the decision must start over. */
	private static final RateLimitDecision RETRY = new RateLimitDecision(false, 0, 0, Duration.ZERO, Duration.ZERO);

	private static final VarHandle TAT;

	private static final VarHandle CELLS;

	private static final VarHandle STRIPES;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			TAT = lookup.findVarHandle(Bucket.class, "tat", long.class);
			STRIPES = lookup.findVarHandle(Bucket.class, "cells", long[].class);
			CELLS = MethodHandles.arrayElementVarHandle(long[].class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/** Largest tolerance, in nanoseconds, kept exact; about 73 years. */
	private static final long MAX_SPAN = Long.MAX_VALUE >> 2;

	private static final long MIN_SWEEP_INTERVAL = TimeUnit.MILLISECONDS.toNanos(1);

	/**
	 * Least time between sweeps while the table has room: rare enough that keys used again soon are seldom dropped and
	 * inserted again (a busy table with room sheds at most some thousands of keys a second), often enough that the
	 * count of tracked keys follows the clients gone idle within seconds to minutes.
	 */
	static final long IDLE_SWEEP_INTERVAL = TimeUnit.SECONDS.toNanos(1);

	/**
	 * Most keys a table may have held and still be swept below the bound however few it holds now: the map doubles its
	 * bins once three quarters are used, so up to this many keys it has at most 2^17 bins, a walk of all of which,
	 * empty ones included, takes some hundreds of microseconds.
	 */
	static final int DENSE_ENOUGH_TO_SWEEP = (1 << 17) - (1 << 15) - 1;

	/**
	 * Most entries one sweep looks at (some tens of microseconds): a sweep of a large table goes on where the last one
	 * stopped, so no request pays for the whole table.
	 */
	static final int SWEEP_CHUNK = 2048;

	/**
	 * Most entries one sweep looks at while it has freed nothing (a few hundred microseconds): idle buckets scattered
	 * through a large table are found for the newcomer that swept, not a millisecond later.
	 */
	static final int SWEEP_BUDGET = 16 * SWEEP_CHUNK;

	private static final long WARN_INTERVAL = TimeUnit.MINUTES.toNanos(1);

	private final RateLimitPolicy policy;

	private final int maxKeys;

	private final LongSupplier nanoClock;

	private final long origin;

	/** Whether buckets refill at all; when not, time stands still at 0 and {@code interval} is one token. */
	private final boolean refills;

	/** Emission interval T: nanoseconds per token, at least 1. */
	private final long interval;

	/** Tokens a bucket holds; the policy's capacity, clamped so that {@code tolerance} does not overflow. */
	private final long capacity;

	/** Tolerance tau = capacity * T. */
	private final long tolerance;

	/** Stripes of a hot bucket (a power of two), or 0 when the policy is too small to split. */
	private final int stripeCount;

	/** Emission interval of one stripe: {@code stripeCount * T}, so that the stripes together refill at the rate. */
	private final long stripeInterval;

	/** Largest capacity whose token counts are computed with a reciprocal rather than a division. */
	static final long MAX_RECIPROCAL_QUOTIENT = 1L << 48;

	/** {@code 1.0 / interval}, or 0 to divide instead, when a quotient could exceed what a double holds exactly. */
	private final double perInterval;

	/** {@code 1.0 / stripeInterval}, or 0 to divide instead. */
	private final double perStripeInterval;

	/** Tolerance of each stripe: its share of the capacity (they differ by at most one token) times its interval. */
	private final long[] stripeTolerances;

	/**
	 * The answer to one permit taken from a full bucket, the common case (a client below its quota): its TAT is then
	 * {@code now + T} whatever the time, so the answer is the same every time and is made once rather than allocated
	 * per request.
	 */
	private final RateLimitDecision allowedOneFromFull;

	/** As {@link #allowedOneFromFull}, per stripe, for a caller's own stripe. */
	private final RateLimitDecision[] allowedOneFromFullStripe;

	/** As {@link #allowedOneFromFull}, per stripe, for a stripe a caller borrowed from. */
	private final RateLimitDecision[] allowedOneFromFullBorrowed;

	private final ConcurrentHashMap<String, Bucket> buckets;

	private final AtomicInteger slots = new AtomicInteger();

	/** The most slots in use so far, written by newcomers only; see {@link #isSparseAfterAPeak()}. */
	private volatile int peakSlots;

	private final AtomicBoolean sweeping = new AtomicBoolean();

	/**
	 * No bucket can be full before this time: the minimum of the TATs seen by the last complete pass of sweeps over the
	 * table and inserted since. Not consulted while a pass is under way.
	 */
	private final AtomicLong nextSweepAt = new AtomicLong(Long.MIN_VALUE);

	private volatile long lastSweepAt = -MIN_SWEEP_INTERVAL;

	/** Where the pass under way goes on, or {@code null} between passes; used only by the thread that sweeps. */
	private volatile @Nullable Iterator<Map.Entry<String, Bucket>> sweepCursor;

	/** The earliest TAT the pass under way has seen so far. */
	private long passEarliest = Long.MAX_VALUE;

	private final Bucket overflow = new Bucket(0);

	private final LongAdder overflowDecisions = new LongAdder();

	private final AtomicLong lastOverflowWarning;

	/**
	 * Creates a limiter on the system's monotonic clock.
	 * @param policy the quota of every key
	 * @param maxKeys the most keys to track at once; at least 1
	 * @throws IllegalArgumentException if {@code maxKeys} is below 1, or if the policy's empty bucket takes more than
	 * about 73 years to refill
	 */
	public LocalRateLimiter(RateLimitPolicy policy, int maxKeys) {
		this(policy, maxKeys, System::nanoTime);
	}

	/**
	 * Creates a limiter on the given clock.
	 * @param policy the quota of every key
	 * @param maxKeys the most keys to track at once; at least 1
	 * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
	 * @throws IllegalArgumentException if {@code maxKeys} is below 1, or if the policy's empty bucket takes more than
	 * about 73 years to refill
	 */
	public LocalRateLimiter(RateLimitPolicy policy, int maxKeys, LongSupplier nanoClock) {
		this(policy, maxKeys, nanoClock, stripesFor(Runtime.getRuntime().availableProcessors()));
	}

	/**
	 * Creates a limiter with a given number of stripes for hot keys; for tests, which must not depend on the machine.
	 */
	LocalRateLimiter(RateLimitPolicy policy, int maxKeys, LongSupplier nanoClock, int stripes) {
		this.policy = Objects.requireNonNull(policy, "policy must not be null");
		this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock must not be null");
		if (maxKeys < 1) {
			throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
		}
		this.maxKeys = maxKeys;
		this.refills = policy.requestsPerWindow() > 0;
		this.interval = this.refills ? emissionInterval(policy) : 1;
		if (this.refills && policy.capacity() > MAX_SPAN / this.interval) {
			throw refillsTooSlowly(policy, this.interval);
		}
		this.capacity = Math.min(policy.capacity(), MAX_SPAN / this.interval);
		this.tolerance = this.capacity * this.interval;
		if (Integer.bitCount(stripes) != 1) {
			throw new IllegalArgumentException("stripes must be a power of two, was " + stripes);
		}
		if (!this.refills || this.interval > MAX_STRIPED_INTERVAL || this.capacity < stripes
				|| this.tolerance > MAX_SPAN / stripes) {
			stripes = 0;
		}
		this.stripeCount = stripes;
		this.stripeInterval = this.interval * stripes;
		this.stripeTolerances = new long[stripes];
		boolean exact = this.capacity < MAX_RECIPROCAL_QUOTIENT;
		this.perInterval = exact ? 1.0 / this.interval : 0;
		this.perStripeInterval = (exact && this.stripeInterval > 0) ? 1.0 / this.stripeInterval : 0;
		for (int i = 0; i < stripes; i++) {
			long share = this.capacity / stripes + ((i < this.capacity % stripes) ? 1 : 0);
			this.stripeTolerances[i] = share * this.stripeInterval;
		}
		this.allowedOneFromFull = allowed(this.interval);
		this.allowedOneFromFullStripe = new RateLimitDecision[stripes];
		this.allowedOneFromFullBorrowed = new RateLimitDecision[stripes];
		for (int i = 0; i < stripes; i++) {
			this.allowedOneFromFullStripe[i] = allowedStriped(i, this.stripeInterval, true);
			this.allowedOneFromFullBorrowed[i] = allowedStriped(i, this.stripeInterval, false);
		}
		// Not sized from maxKeys: a table sized for the most keys would cost its full size (512 KiB at a million) as soon
		// as one client came, per policy; it grows with the keys instead, within the bound the slot counter keeps.
		this.buckets = new ConcurrentHashMap<>();
		this.origin = nanoClock.getAsLong();
		this.lastOverflowWarning = new AtomicLong(this.origin - WARN_INTERVAL);
	}

	/** Twice the processors, rounded up to a power of two and kept between 2 and 64. */
	static int stripesFor(int processors) {
		int wanted = Math.max(2, Math.min(64, 2 * processors));
		return Integer.highestOneBit(wanted - 1) << 1;
	}

	private static IllegalArgumentException refillsTooSlowly(RateLimitPolicy policy, long interval) {
		String years = TimeUnit.NANOSECONDS.toDays(MAX_SPAN) / 365 + " years";
		if (interval == 1 && policy.window().compareTo(Duration.ofNanos(policy.requestsPerWindow())) < 0) {
			// rounded up to the finest interval the store keeps: the policy's own refill may be short
			return new IllegalArgumentException("Policy '" + policy.name() + "' refills more than one token a "
					+ "nanosecond, the in-memory store's finest rate, at which its bucket of " + policy.capacity()
					+ " tokens would take more than " + years + " to refill; lower requestsPerWindow and burst");
		}
		return new IllegalArgumentException("Policy '" + policy.name() + "' takes more than " + years
				+ " to refill, too long for the in-memory store; a quota that is not meant to refill takes "
				+ "requestsPerWindow = 0");
	}

	private static long emissionInterval(RateLimitPolicy policy) {
		long windowNanos;
		try {
			windowNanos = policy.window().toNanos();
		}
		catch (ArithmeticException ex) {
			windowNanos = Long.MAX_VALUE;
		}
		long perToken = windowNanos / policy.requestsPerWindow();
		if (perToken * policy.requestsPerWindow() != windowNanos) {
			perToken++;
		}
		return Math.max(1, perToken);
	}

	@Override
	public RateLimitDecision tryAcquire(String key, long permits) {
		Objects.requireNonNull(key, "key must not be null");
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be at least 1, was " + permits);
		}
		String storedKey = KeyDigest.mustDigest(key, MAX_KEY_LENGTH) ? KeyDigest.of(key) : key;
		long now = now();
		for (;;) {
			Bucket bucket = this.buckets.get(storedKey);
			if (bucket == null) {
				RateLimitDecision decision = acquireAsNewcomer(storedKey, permits, now);
				if (decision != null) {
					return decision;
				}
				continue;
			}
			RateLimitDecision decision = acquire(bucket, permits, now);
			if (decision != null) {
				return decision;
			}
			// The bucket was dropped under us: help remove it, then look the key up again.
			if (this.buckets.remove(storedKey, bucket)) {
				this.slots.decrementAndGet();
			}
		}
	}

	/**
	 * Takes from a bucket of the table or the overflow bucket.
	 * @return the decision, or {@code null} if the bucket is dead
	 */
	private @Nullable RateLimitDecision acquire(Bucket bucket, long permits, long now) {
		long cost = permits * this.interval;
		int failures = 0;
		boolean clockReadAgain = false;
		for (;;) {
			long tat = (long) TAT.getVolatile(bucket);
			if (tat == DEAD) {
				return null;
			}
			if (tat == STRIPED) {
				long[] cells = (long[]) STRIPES.getVolatile(bucket);
				RateLimitDecision decision = (cells == null) ? RETRY
						: (permits == 1) ? takeOneFromFullHome(cells, now) : null;
				if (decision == null) {
					decision = acquireStriped(bucket, cells, permits, now);
				}
				if (decision != RETRY && (decision == null || decision.allowed() || clockReadAgain)) {
					return decision;
				}
				// merged or being merged meanwhile, or refused: then decide once more from now, as below
				clockReadAgain |= decision != RETRY;
				now = later(now);
				continue;
			}
			if (tat == FREEZING) {
				Thread.onSpinWait();
				now = later(now);
				continue;
			}
			if (permits > this.capacity) {
				return refusedForever(tat, now);
			}
			long start = Math.max(tat, now);
			long next = start + cost;
			if (next - now > this.tolerance) {
				if (!clockReadAgain) {
					// The TAT may hold takes made after this caller read the clock (it was descheduled in between):
					// against that older reading the bucket would look emptier than it is. Decide once more from now.
					clockReadAgain = true;
					now = later(now);
					continue;
				}
				return refused(start, next, now);
			}
			if (TAT.compareAndSet(bucket, tat, next)) {
				return allowed(next, now);
			}
			if (++failures == STRIPE_AFTER_FAILURES && permits == 1 && this.stripeCount != 0) {
				stripe(bucket, now);
			}
		}
	}

	/**
	 * Decides from the stripes of a hot bucket: the caller's own stripe first, then the others in turn, so that a
	 * request is refused only when no stripe can serve it.
	 * @return the decision, {@code null} if the bucket is dead, or {@link #RETRY} if it changed shape meanwhile
	 */
	private @Nullable RateLimitDecision acquireStriped(Bucket bucket, long[] cells, long permits, long now) {
		int mask = this.stripeCount - 1;
		int home = homeStripe() & mask;
		if (permits > this.capacity) {
			return refusedForeverStriped(bucket, cells, now);
		}
		long cost = permits * this.stripeInterval;
		long soonest = Long.MAX_VALUE;
		long untilFull = 0;
		long available = 0;
		for (int j = 0; j <= mask; j++) {
			int stripe = (home + j) & mask;
			int index = (stripe + 1) * CELL_STRIDE;
			long stripeTolerance = this.stripeTolerances[stripe];
			for (;;) {
				long tat = (long) CELLS.getVolatile(cells, index);
				if (tat == DEAD) {
					awaitThawed(bucket);
					return RETRY;
				}
				long start = Math.max(tat, now);
				long next = start + cost;
				if (next - now <= stripeTolerance) {
					if (CELLS.compareAndSet(cells, index, tat, next)) {
						return takenFromStripe(bucket, cells, stripe, tat, next, now, stripe == home);
					}
					continue;
				}
				if (cost <= stripeTolerance) {
					// this stripe alone can serve the request once its debt has come down that far
					soonest = Math.min(soonest, next - stripeTolerance - now);
				}
				untilFull = Math.max(untilFull, start - now);
				available += Math.max(0, (stripeTolerance - (start - now)) / this.stripeInterval);
				break;
			}
		}
		if (permits > 1 && available >= permits) {
			// The stripes hold enough together but none alone: merge them back into one bucket and decide there.
			merge(bucket, now);
			return RETRY;
		}
		return refusedStriped(permits, soonest, untilFull, available);
	}

	/**
	 * The common case of a striped key, a client below its quota: one permit from the caller's own stripe, full. The
	 * answer is then the same as {@link #acquireStriped}'s, without its loop.
	 * @return the decision, or {@code null} when the stripe is not full, frozen, or another thread changed it
	 */
	private @Nullable RateLimitDecision takeOneFromFullHome(long[] cells, long now) {
		int home = homeStripe() & (this.stripeCount - 1);
		int index = (home + 1) * CELL_STRIDE;
		long tat = (long) CELLS.getVolatile(cells, index);
		if (tat <= now && tat != DEAD && CELLS.compareAndSet(cells, index, tat, now + this.stripeInterval)) {
			return this.allowedOneFromFullStripe[home];
		}
		return null;
	}

	/**
	 * The answer to a request a stripe served. A caller whose own stripe is empty, while some stripe is full (losing
	 * the refill it cannot hold), shows that the key's use is uneven: its contention has passed, or few threads use
	 * it. The key then goes back to one bucket, which loses nothing more, until contention splits it again, and the
	 * answer is that bucket's. (Kept out of {@link #acquireStriped}, which the JIT then still inlines.)
	 */
	private RateLimitDecision takenFromStripe(Bucket bucket, long[] cells, int stripe, long tat, long next, long now,
			boolean home) {
		if (!home && (tat <= now || anyStripeFull(cells, now))) {
			long untilFull = merge(bucket, now);
			if (untilFull != NOT_MERGED) {
				return allowed(untilFull);
			}
		}
		return allowedStriped(stripe, next, now, home);
	}

	/** Whether a stripe of the cells is full (its TAT reached); read on the borrowing path only. */
	private boolean anyStripeFull(long[] cells, long now) {
		for (int stripe = 0; stripe < this.stripeCount; stripe++) {
			long tat = (long) CELLS.getVolatile(cells, (stripe + 1) * CELL_STRIDE);
			if (tat != DEAD && tat <= now) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The refusal of a striped key. Once every stripe is full they hold the whole capacity, and a request no stripe
	 * can serve alone merges them and is allowed: a bound for several permits, which the stripes' fractional refills
	 * make hard to beat.
	 */
	private RateLimitDecision refusedStriped(long permits, long soonest, long untilFull, long available) {
		long retryAfter = (permits == 1) ? soonest : Math.min(soonest, untilFull);
		return new RateLimitDecision(false, this.policy.capacity(), available, duration(retryAfter),
				duration(untilFull));
	}

	private RateLimitDecision refusedForeverStriped(Bucket bucket, long[] cells, long now) {
		long untilFull = 0;
		long available = 0;
		for (int stripe = 0; stripe < this.stripeCount; stripe++) {
			long tat = (long) CELLS.getVolatile(cells, (stripe + 1) * CELL_STRIDE);
			if (tat == DEAD) {
				awaitThawed(bucket);
				return RETRY;
			}
			long debt = Math.max(0, tat - now);
			untilFull = Math.max(untilFull, debt);
			available += Math.max(0, (this.stripeTolerances[stripe] - debt) / this.stripeInterval);
		}
		return new RateLimitDecision(false, this.policy.capacity(), available, NEVER, duration(untilFull));
	}

	@SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; getId() is the same number
	private static int homeStripe() {
		return (int) Thread.currentThread().getId();
	}

	/**
	 * Splits a bucket into stripes, unless another thread is already doing so. The bucket's debt (how far its TAT is
	 * ahead of now) is shared between the stripes in whole tokens as evenly as their capacities allow, and the
	 * fraction of a token left over goes to one stripe with room for it, so the stripes hold together exactly what
	 * the bucket held.
	 * <p>
	 * The cells start frozen and the bucket's TAT is swapped for {@code FREEZING} before they are written, so a thread
	 * that reaches the new cells early (it read {@code STRIPED} from an earlier striping of the same bucket) either
	 * finds them frozen and starts over, or finds them final: no take can land on a value about to be overwritten.
	 */
	private void stripe(Bucket bucket, long now) {
		long[] cells = new long[(this.stripeCount + 2) * CELL_STRIDE];
		Arrays.fill(cells, DEAD);
		if (!STRIPES.compareAndSet(bucket, null, cells)) {
			return;
		}
		long tat;
		do {
			tat = (long) TAT.getVolatile(bucket);
			if (tat <= FREEZING) {
				// Dead, or (never seen, since the cells were null) already striped or being frozen: nothing to split.
				return;
			}
		}
		while (!TAT.compareAndSet(bucket, tat, FREEZING));
		// The caller read its clock before the compare-and-sets that failed, and the threads that won them may have
		// read later clocks: the TAT can then be more than a tolerance ahead of this now, a debt the stripes cannot
		// hold. No allowed TAT is more than a tolerance ahead of the clock, so tat - tolerance is a time already
		// reached: the split is done as of then, when the bucket held exactly that debt.
		now = Math.max(now, tat - this.tolerance);
		long debt = Math.max(0, tat - now);
		long tokens = debt / this.interval;
		long fraction = debt % this.interval;
		long[] debts = new long[this.stripeCount];
		int fractionStripe = 0;
		for (int i = 0; i < this.stripeCount; i++) {
			long share = tokens / this.stripeCount + ((i < tokens % this.stripeCount) ? 1 : 0);
			debts[i] = share * this.stripeInterval;
			if (debts[i] + this.stripeInterval <= this.stripeTolerances[i]) {
				fractionStripe = i;
			}
		}
		// A stripe with room always exists when there is a fraction, since the debt is at most the tolerance.
		debts[fractionStripe] += fraction * this.stripeCount;
		for (int i = 0; i < this.stripeCount; i++) {
			CELLS.setVolatile(cells, (i + 1) * CELL_STRIDE, now + debts[i]);
		}
		TAT.setVolatile(bucket, STRIPED);
	}

	/**
	 * Merges a striped bucket back into one TAT, unless another thread is already freezing it. The merged debt is the
	 * stripes' debts summed and rounded up, so the merge never creates a token. The debts are measured against the
	 * clock read again here: the caller's reading may be older than what other threads have since taken from the
	 * stripes, and against it a stripe that was full would count the refill it could not hold as debt paid off.
	 * @return how long until the merged bucket is full, measured from the clock read here, or {@link #NOT_MERGED} when
	 * another thread was freezing the bucket
	 */
	private long merge(Bucket bucket, long callerNow) {
		if (!TAT.compareAndSet(bucket, STRIPED, FREEZING)) {
			return NOT_MERGED;
		}
		long now = Math.max(callerNow, now());
		long[] cells = (long[]) STRIPES.getVolatile(bucket);
		long debt = 0;
		for (int i = 0; i < this.stripeCount; i++) {
			debt += Math.max(0, freeze(cells, i) - now);
		}
		long merged = now + (debt + this.stripeCount - 1) / this.stripeCount;
		TAT.setVolatile(bucket, merged);
		// Only now may the bucket be striped again; a thread that still reads the old cells finds them frozen.
		STRIPES.setVolatile(bucket, null);
		if (merged < this.nextSweepAt.get()) {
			this.nextSweepAt.accumulateAndGet(merged, Math::min);
		}
		return merged - now;
	}

	/** Freezes one stripe of a bucket this thread holds {@code FREEZING}, returning the TAT it had. */
	private static long freeze(long[] cells, int stripe) {
		int index = (stripe + 1) * CELL_STRIDE;
		for (;;) {
			long tat = (long) CELLS.getVolatile(cells, index);
			if (CELLS.compareAndSet(cells, index, tat, DEAD)) {
				return tat;
			}
		}
	}

	/** Waits while another thread sweeps or merges the bucket's stripes; brief, as that thread only reads and CASes. */
	private static void awaitThawed(Bucket bucket) {
		int spins = 0;
		while ((long) TAT.getVolatile(bucket) == FREEZING) {
			if (++spins % 64 == 0) {
				Thread.yield();
			}
			else {
				Thread.onSpinWait();
			}
		}
	}

	/**
	 * Decides for a key not in the table, inserting it with the state after the decision when a slot is free.
	 * <p>
	 * The clock is read again first: the caller's reading may be older than the sweep that dropped the key's bucket
	 * (the thread was paused between the two), and a bucket made from it would start that much in the past, full again
	 * at once, a second bucket's tokens. A reading taken after the table showed the key absent is no older than the
	 * sweep's, at which the dropped bucket was full, so the new bucket carries on from it.
	 * @return the decision, or {@code null} if another thread inserted the key meanwhile
	 */
	private @Nullable RateLimitDecision acquireAsNewcomer(String key, long permits, long readBefore) {
		long now = Math.max(readBefore, now());
		if (permits > this.capacity) {
			// Refused from a full bucket: there is nothing to remember.
			return refusedForever(now, now);
		}
		if (!reserveSlot(now)) {
			return acquireFromOverflow(permits, now);
		}
		long next = now + permits * this.interval;
		if (this.buckets.putIfAbsent(key, new Bucket(next)) != null) {
			this.slots.decrementAndGet();
			return null;
		}
		if (next < this.nextSweepAt.get()) {
			this.nextSweepAt.accumulateAndGet(next, Math::min);
		}
		return allowed(next, now);
	}

	private boolean reserveSlot(long now) {
		for (;;) {
			int used = this.slots.get();
			if (used < this.maxKeys) {
				if (this.slots.compareAndSet(used, used + 1)) {
					if (used >= this.peakSlots) {
						// racy, and so at times a little low: it only decides when a table counts as sparse
						this.peakSlots = used + 1;
					}
					if (now - this.lastSweepAt >= IDLE_SWEEP_INTERVAL) {
						sweepIdle(now);
					}
					return true;
				}
				continue;
			}
			if ((this.sweepCursor == null && now < this.nextSweepAt.get()) || now - this.lastSweepAt < MIN_SWEEP_INTERVAL
					|| !this.sweeping.compareAndSet(false, true)) {
				return false;
			}
			try {
				sweep(now);
			}
			finally {
				this.sweeping.set(false);
			}
			if (this.slots.get() >= this.maxKeys) {
				return false;
			}
		}
	}

	/**
	 * Drops keys gone idle (their buckets full again, so nothing is forgotten), a part of the table at a time (about
	 * {@value #SWEEP_CHUNK} keys), at most once a second. New keys do so as they come; call this before reading
	 * {@link #size()} to have the count follow clients that went quiet while no new one came (the starter does, for
	 * its {@code keys} gauge and endpoint). A table that once held more than {@value #DENSE_ENOUGH_TO_SWEEP} keys is
	 * swept this way only down to a quarter of the most it held. A call costs one or two volatile reads when it is not
	 * yet time, at most some hundreds of microseconds otherwise.
	 */
	public void forgetIdleKeys() {
		long now = now();
		if (now - this.lastSweepAt >= IDLE_SWEEP_INTERVAL) {
			sweepIdle(now);
		}
	}

	/**
	 * Sweeps below the bound, for a newcomer or {@link #forgetIdleKeys()}: without it the keys of clients gone idle
	 * would stay until the table filled, and the count of tracked keys would only ever grow. Skipped while another
	 * thread sweeps, and between passes while no bucket can be full.
	 */
	private void sweepIdle(long now) {
		if ((this.sweepCursor == null && now < this.nextSweepAt.get()) || isSparseAfterAPeak()
				|| !this.sweeping.compareAndSet(false, true)) {
			return;
		}
		try {
			// checked again with the flag held: a caller that waited out another thread's sweep does not repeat it
			if (now - this.lastSweepAt >= IDLE_SWEEP_INTERVAL) {
				sweep(now);
			}
		}
		finally {
			this.sweeping.set(false);
		}
	}

	/**
	 * Whether the table holds few keys for the size it grew to: the map keeps the capacity of its peak, and a sweep
	 * walks its empty bins too, so a pass over a few keys left in a table sized for hundreds of thousands would take
	 * milliseconds, every second. Below the bound such a table is not swept: its keys are at most a quarter of its
	 * peak, and a newcomer that finds the table full still sweeps it.
	 */
	private boolean isSparseAfterAPeak() {
		int peak = this.peakSlots;
		return peak > DENSE_ENOUGH_TO_SWEEP && this.slots.get() < peak / 4;
	}

	/**
	 * Drops the buckets that are full at {@code now} among the next {@value #SWEEP_CHUNK} entries of a pass over the
	 * table (up to {@link #SWEEP_BUDGET} while none is), and at the end of the pass notes when the next one may become
	 * full. Runs in one thread at a time. A
	 * bucket is dropped only if it is still at the full TAT it was read with, so no take is lost.
	 */
	private void sweep(long now) {
		this.lastSweepAt = now;
		Iterator<Map.Entry<String, Bucket>> entries = this.sweepCursor;
		if (entries == null) {
			// Inserts during the pass lower this again, whether or not the iteration sees them.
			this.nextSweepAt.set(Long.MAX_VALUE);
			this.passEarliest = Long.MAX_VALUE;
			entries = this.buckets.entrySet().iterator();
		}
		long earliest = this.passEarliest;
		int scanned = 0;
		int freed = 0;
		// whole chunks: one, and more while none has freed anything, so that idle buckets further on are found
		while (entries.hasNext()
				&& (scanned == 0 || scanned % SWEEP_CHUNK != 0 || (freed == 0 && scanned < SWEEP_BUDGET))) {
			scanned++;
			Map.Entry<String, Bucket> entry = entries.next();
			Bucket bucket = entry.getValue();
			long tat = (long) TAT.getVolatile(bucket);
			if (tat == DEAD) {
				continue;
			}
			if (tat == FREEZING) {
				// Held by a thread that splits or merges it: its time to full is unknown, so look again next time
				// rather than never (were every bucket skipped, no sweep would run again).
				earliest = Math.min(earliest, now);
				continue;
			}
			if (tat == STRIPED) {
				tat = sweepStriped(bucket, now);
				if (tat == DEAD) {
					if (this.buckets.remove(entry.getKey(), bucket)) {
						this.slots.decrementAndGet();
						freed++;
					}
				}
				else {
					earliest = Math.min(earliest, (tat == FREEZING) ? now : Math.max(tat, now));
				}
				continue;
			}
			if (tat <= now && TAT.compareAndSet(bucket, tat, DEAD)) {
				if (this.buckets.remove(entry.getKey(), bucket)) {
					this.slots.decrementAndGet();
					freed++;
				}
			}
			else {
				earliest = Math.min(earliest, Math.max(tat, now));
			}
		}
		if (entries.hasNext()) {
			this.passEarliest = earliest;
			this.sweepCursor = entries;
		}
		else {
			this.sweepCursor = null;
			this.nextSweepAt.accumulateAndGet(earliest, Math::min);
		}
	}

	/**
	 * Marks a striped bucket {@code DEAD} if every stripe is full, freezing the stripes one by one so that no take
	 * slips in between; otherwise thaws them as they were.
	 * @return {@code DEAD} if dropped, {@code FREEZING} if another thread holds the bucket, else when it will be full
	 */
	private long sweepStriped(Bucket bucket, long now) {
		if (!TAT.compareAndSet(bucket, STRIPED, FREEZING)) {
			return FREEZING;
		}
		long[] cells = (long[]) STRIPES.getVolatile(bucket);
		long fullAt = Long.MIN_VALUE;
		int frozen = 0;
		long[] seen = new long[this.stripeCount];
		while (frozen < this.stripeCount) {
			seen[frozen] = freeze(cells, frozen);
			fullAt = Math.max(fullAt, seen[frozen]);
			frozen++;
			if (fullAt > now) {
				break;
			}
		}
		if (fullAt <= now) {
			TAT.setVolatile(bucket, DEAD);
			return DEAD;
		}
		for (int i = 0; i < frozen; i++) {
			CELLS.setVolatile(cells, (i + 1) * CELL_STRIDE, seen[i]);
		}
		for (int i = frozen; i < this.stripeCount; i++) {
			fullAt = Math.max(fullAt, (long) CELLS.getVolatile(cells, (i + 1) * CELL_STRIDE));
		}
		TAT.setVolatile(bucket, STRIPED);
		return fullAt;
	}

	private RateLimitDecision acquireFromOverflow(long permits, long now) {
		this.overflowDecisions.increment();
		long clock = this.nanoClock.getAsLong();
		long last = this.lastOverflowWarning.get();
		if (clock - last >= WARN_INTERVAL && this.lastOverflowWarning.compareAndSet(last, clock)) {
			logger.warn("Rate-limit policy '{}' tracks its maximum of {} keys and found none idle to make room; new keys "
					+ "share one overflow bucket ({} overflow decisions so far). Raise max-keys if this is normal traffic.",
					this.policy.name(), this.maxKeys, this.overflowDecisions.sum());
		}
		return acquire(this.overflow, permits, now);
	}

	private RateLimitDecision allowed(long next, long now) {
		long untilFull = next - now;
		return (untilFull == this.interval) ? this.allowedOneFromFull : allowed(untilFull);
	}

	private RateLimitDecision allowed(long untilFull) {
		return new RateLimitDecision(true, this.policy.capacity(), remaining(untilFull), Duration.ZERO,
				duration(untilFull));
	}

	/**
	 * An allowed decision from one stripe. Reading the other stripes would bring their cache lines over from the
	 * cores that write them, which is the cost striping removes, so {@code remaining} is estimated from this stripe:
	 * its tokens times the stripe count when it is the caller's own (a hot key's callers spread evenly), its tokens
	 * alone when the caller had to borrow (its own stripe is empty). {@code resetAfter} is this stripe's time to full.
	 */
	private RateLimitDecision allowedStriped(int stripe, long next, long now, boolean home) {
		long untilFull = next - now;
		if (untilFull == this.stripeInterval) {
			return (home ? this.allowedOneFromFullStripe : this.allowedOneFromFullBorrowed)[stripe];
		}
		return allowedStriped(stripe, untilFull, home);
	}

	private RateLimitDecision allowedStriped(int stripe, long untilFull, boolean home) {
		long stripeRemaining = tokens(this.stripeTolerances[stripe] - untilFull, this.stripeInterval,
				this.perStripeInterval);
		long remaining = home ? Math.min(this.capacity, stripeRemaining * this.stripeCount) : stripeRemaining;
		return new RateLimitDecision(true, this.policy.capacity(), remaining, Duration.ZERO, duration(untilFull));
	}

	private RateLimitDecision refused(long start, long next, long now) {
		long untilFull = start - now;
		return new RateLimitDecision(false, this.policy.capacity(), remaining(untilFull),
				duration(next - this.tolerance - now), duration(untilFull));
	}

	private RateLimitDecision refusedForever(long tat, long now) {
		long untilFull = Math.max(tat, now) - now;
		return new RateLimitDecision(false, this.policy.capacity(), remaining(untilFull), NEVER, duration(untilFull));
	}

	private long remaining(long untilFull) {
		return tokens(this.tolerance - untilFull, this.interval, this.perInterval);
	}

	/**
	 * Whole tokens in a span of time: {@code max(0, span / interval)}, by multiplying with the interval's reciprocal
	 * and correcting by one, because a 64-bit division costs tens of cycles, a good part of an allowed decision. The
	 * estimate is within one of the quotient while the quotient stays below 2^48 (three roundings of 2^-53 each), which
	 * the capacity guarantees when the reciprocal is given; otherwise ({@code reciprocal == 0}) the division is done.
	 */
	static long tokens(long span, long interval, double reciprocal) {
		if (span <= 0) {
			return 0;
		}
		if (reciprocal == 0) {
			return span / interval;
		}
		long quotient = (long) (span * reciprocal);
		long rest = span - quotient * interval;
		if (rest < 0) {
			return quotient - 1;
		}
		return (rest >= interval) ? quotient + 1 : quotient;
	}

	private Duration duration(long nanos) {
		if (nanos <= 0) {
			return Duration.ZERO;
		}
		return this.refills ? Duration.ofNanos(nanos) : NEVER;
	}

	/**
	 * The clock read again after the bucket changed shape (merged, or being merged or swept by another thread): a
	 * merged TAT is measured from the merging thread's own reading, and against an older one its debt would look
	 * larger by the difference, refusing what the bucket holds.
	 */
	private long later(long now) {
		return Math.max(now, now());
	}

	private long now() {
		return this.refills ? this.nanoClock.getAsLong() - this.origin : 0;
	}

	/**
	 * Returns how many keys have a bucket of their own: the slots in use, which count a key from just before its
	 * bucket is inserted to just after it is dropped. Read from the slot counter rather than the map, whose
	 * {@code size()} sums striped counters without a snapshot and can, under churn, read far above the bound for a
	 * moment.
	 * @return the number of keys tracked, at most {@code maxKeys}, never negative
	 */
	public int size() {
		return this.slots.get();
	}

	/**
	 * Returns how many decisions were made from the shared overflow bucket because the table was full of active keys.
	 * @return the count since construction; zero or more
	 */
	public long overflowDecisions() {
		return this.overflowDecisions.sum();
	}

	/**
	 * Returns the policy this limiter enforces.
	 * @return the policy
	 */
	public RateLimitPolicy policy() {
		return this.policy;
	}

	/**
	 * Splits the key's bucket into stripes now, as contention on it would; for tests.
	 * @return whether the bucket is striped afterwards
	 */
	boolean stripe(String key) {
		Bucket bucket = this.buckets.get(key);
		if (bucket == null || this.stripeCount == 0) {
			return false;
		}
		stripe(bucket, now());
		return isStriped(key);
	}

	/** The key's bucket, or {@code null}; for tests that need a bucket in a state no single thread can hold still. */
	@Nullable Bucket bucketOf(String key) {
		return this.buckets.get(key);
	}

	/**
	 * Whether the key's bucket is currently split into stripes; for tests.
	 */
	boolean isStriped(String key) {
		Bucket bucket = this.buckets.get(key);
		return bucket != null && (long) TAT.getVolatile(bucket) == STRIPED;
	}

	@Override
	public String toString() {
		return "LocalRateLimiter[policy=" + this.policy.name() + ", keys=" + size() + "/" + this.maxKeys + "]";
	}

	/**
	 * One key's bucket: its TAT, or {@code STRIPED} once contention split it, with the stripes' cells.
	 */
	static final class Bucket {

		/** The TAT, or one of the markers {@code DEAD}, {@code STRIPED}, {@code FREEZING}. */
		volatile long tat;

		/**
		 * The stripes' TATs, one every {@value #CELL_STRIDE} longs from index {@code CELL_STRIDE}; {@code null} until
		 * the bucket is striped. Set once before the TAT becomes {@code STRIPED}.
		 */
		volatile long @Nullable [] cells;

		Bucket(long tat) {
			this.tat = tat;
		}

	}

}
