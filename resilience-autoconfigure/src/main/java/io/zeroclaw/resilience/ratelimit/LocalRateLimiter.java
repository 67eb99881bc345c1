package io.zeroclaw.resilience.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
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
 * construction so that sums stay far from overflow; a tolerance beyond about 73 years is clamped (the quota is then
 * effectively never refilled in the application's lifetime). A policy with {@code requestsPerWindow = 0} never
 * refills: its TAT degenerates into a count of tokens used, and a refused request's {@code retryAfter} is
 * {@link #NEVER}.
 *
 * <h2>Bounded memory</h2>
 * The buckets live in a {@link ConcurrentHashMap} from key to {@link AtomicLong}, holding at most {@code maxKeys}
 * entries; a slot counter is reserved before an insert, so the bound holds under races. A bucket may be dropped only
 * when it is full again ({@code tat <= now}), because a new key starts full and nothing is then forgotten. Dropping
 * is done by a sweep over the table, run by one thread at a time (others do not wait), only when a new key finds the
 * table full, and only once the earliest TAT seen by the previous sweep or inserted since has passed (and at most
 * once a millisecond):
 * a flood of new keys costs one volatile read each, not a scan. A dropped bucket is first marked {@code DEAD} by a
 * compare-and-set from the full value it was seen with, so a thread that raced to take from it notices and starts
 * over with a fresh lookup; a take is therefore never applied to a bucket that is no longer in the table.
 * <p>
 * When every slot holds a key whose bucket is not full, a new key is not given a slot: evicting an active key would
 * hand its client a fresh, full bucket. The newcomer is served instead from one shared overflow bucket with the
 * policy's own capacity and rate. Overflow decisions are counted ({@link #overflowDecisions()}) and logged at WARN at
 * most once a minute, so that an operator raises {@code max-keys} or looks for a key flood.
 * <p>
 * Keys longer than {@value #MAX_KEY_LENGTH} characters are stored as their SHA-256 digest, so that a client cannot
 * make one entry cost more than a few dozen bytes, and cannot pick a long key that collides with another client's.
 *
 * <h2>Cost</h2>
 * A decision for a known key is one hash lookup, one volatile read, at most one CAS (retried only when another
 * thread changed the same bucket in between) and the allocation of the {@link RateLimitDecision} with its
 * {@code resetAfter}. Per tracked key the limiter holds a map node (32 bytes), an {@code AtomicLong} (24 bytes) and
 * one or two table slots (4 bytes each with compressed references): about 60 to 70 bytes besides the key string,
 * which is the caller's own unless it was hashed. A flood of new keys on a full table costs each newcomer a failed
 * lookup, two volatile reads and a decision from the overflow bucket: no insert, no scan.
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

	/** Marks a bucket being dropped from the table; real TATs are relative times that never get this low. */
	private static final long DEAD = Long.MIN_VALUE;

	/** Largest tolerance, in nanoseconds, kept exact; about 73 years. */
	private static final long MAX_SPAN = Long.MAX_VALUE >> 2;

	private static final long MIN_SWEEP_INTERVAL = TimeUnit.MILLISECONDS.toNanos(1);

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

	private final ConcurrentHashMap<String, AtomicLong> buckets;

	private final AtomicInteger slots = new AtomicInteger();

	private final AtomicBoolean sweeping = new AtomicBoolean();

	/** No bucket can be full before this time: the minimum of the TATs seen by the last sweep and inserted since. */
	private final AtomicLong nextSweepAt = new AtomicLong(Long.MIN_VALUE);

	private volatile long lastSweepAt = -MIN_SWEEP_INTERVAL;

	private final AtomicLong overflow = new AtomicLong();

	private final LongAdder overflowDecisions = new LongAdder();

	private final AtomicLong lastOverflowWarning;

	/**
	 * Creates a limiter on the system's monotonic clock.
	 * @param policy the quota of every key
	 * @param maxKeys the most keys to track at once; at least 1
	 * @throws IllegalArgumentException if {@code maxKeys} is below 1
	 */
	public LocalRateLimiter(RateLimitPolicy policy, int maxKeys) {
		this(policy, maxKeys, System::nanoTime);
	}

	/**
	 * Creates a limiter on the given clock.
	 * @param policy the quota of every key
	 * @param maxKeys the most keys to track at once; at least 1
	 * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
	 * @throws IllegalArgumentException if {@code maxKeys} is below 1
	 */
	public LocalRateLimiter(RateLimitPolicy policy, int maxKeys, LongSupplier nanoClock) {
		this.policy = Objects.requireNonNull(policy, "policy must not be null");
		this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock must not be null");
		if (maxKeys < 1) {
			throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
		}
		this.maxKeys = maxKeys;
		this.refills = policy.requestsPerWindow() > 0;
		this.interval = this.refills ? emissionInterval(policy) : 1;
		this.capacity = Math.min(policy.capacity(), MAX_SPAN / this.interval);
		this.tolerance = this.capacity * this.interval;
		this.buckets = new ConcurrentHashMap<>(Math.min(maxKeys, 1 << 16));
		this.origin = nanoClock.getAsLong();
		this.lastOverflowWarning = new AtomicLong(this.origin - WARN_INTERVAL);
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
		return Math.max(1, Math.min(perToken, MAX_SPAN));
	}

	@Override
	public RateLimitDecision tryAcquire(String key, long permits) {
		Objects.requireNonNull(key, "key must not be null");
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be at least 1, was " + permits);
		}
		String storedKey = (key.length() > MAX_KEY_LENGTH) ? digest(key) : key;
		long now = now();
		for (;;) {
			AtomicLong bucket = this.buckets.get(storedKey);
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
	private RateLimitDecision acquire(AtomicLong bucket, long permits, long now) {
		if (permits > this.capacity) {
			long tat = bucket.get();
			return (tat == DEAD) ? null : refusedForever(tat, now);
		}
		long cost = permits * this.interval;
		for (;;) {
			long tat = bucket.get();
			if (tat == DEAD) {
				return null;
			}
			long start = Math.max(tat, now);
			long next = start + cost;
			if (next - now > this.tolerance) {
				return refused(start, next, now);
			}
			if (bucket.compareAndSet(tat, next)) {
				return allowed(next, now);
			}
		}
	}

	/**
	 * Decides for a key not in the table, inserting it with the state after the decision when a slot is free.
	 * @return the decision, or {@code null} if another thread inserted the key meanwhile
	 */
	private RateLimitDecision acquireAsNewcomer(String key, long permits, long now) {
		if (permits > this.capacity) {
			// Refused from a full bucket: there is nothing to remember.
			return refusedForever(now, now);
		}
		if (!reserveSlot(now)) {
			return acquireFromOverflow(permits, now);
		}
		long next = now + permits * this.interval;
		if (this.buckets.putIfAbsent(key, new AtomicLong(next)) != null) {
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
					return true;
				}
				continue;
			}
			if (now < this.nextSweepAt.get() || now - this.lastSweepAt < MIN_SWEEP_INTERVAL
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
	 * Drops every bucket that is full at {@code now}, and notes when the next one may become full. Runs in one thread
	 * at a time. A bucket is dropped only if it is still at the full TAT it was read with, so no take is lost.
	 */
	private void sweep(long now) {
		this.lastSweepAt = now;
		// Inserts during the sweep lower this again, whether or not the iteration below sees them.
		this.nextSweepAt.set(Long.MAX_VALUE);
		long earliest = Long.MAX_VALUE;
		Iterator<Map.Entry<String, AtomicLong>> entries = this.buckets.entrySet().iterator();
		while (entries.hasNext()) {
			Map.Entry<String, AtomicLong> entry = entries.next();
			AtomicLong bucket = entry.getValue();
			long tat = bucket.get();
			if (tat == DEAD) {
				continue;
			}
			if (tat <= now && bucket.compareAndSet(tat, DEAD)) {
				if (this.buckets.remove(entry.getKey(), bucket)) {
					this.slots.decrementAndGet();
				}
			}
			else {
				earliest = Math.min(earliest, Math.max(tat, now));
			}
		}
		this.nextSweepAt.accumulateAndGet(earliest, Math::min);
	}

	private RateLimitDecision acquireFromOverflow(long permits, long now) {
		this.overflowDecisions.increment();
		long clock = this.nanoClock.getAsLong();
		long last = this.lastOverflowWarning.get();
		if (clock - last >= WARN_INTERVAL && this.lastOverflowWarning.compareAndSet(last, clock)) {
			logger.warn("Rate-limit policy '{}' tracks its maximum of {} keys, all active; new keys share one "
					+ "overflow bucket ({} overflow decisions so far). Raise max-keys if this is normal traffic.",
					this.policy.name(), this.maxKeys, this.overflowDecisions.sum());
		}
		return acquire(this.overflow, permits, now);
	}

	private RateLimitDecision allowed(long next, long now) {
		long untilFull = next - now;
		return new RateLimitDecision(true, this.policy.capacity(), remaining(untilFull), Duration.ZERO,
				duration(untilFull));
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
		return Math.max(0, (this.tolerance - untilFull) / this.interval);
	}

	private Duration duration(long nanos) {
		if (nanos <= 0) {
			return Duration.ZERO;
		}
		return this.refills ? Duration.ofNanos(nanos) : NEVER;
	}

	private long now() {
		return this.refills ? this.nanoClock.getAsLong() - this.origin : 0;
	}

	private static String digest(String key) {
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
			return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required of every Java platform", ex);
		}
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

	@Override
	public String toString() {
		return "LocalRateLimiter[policy=" + this.policy.name() + ", keys=" + size() + "/" + this.maxKeys + "]";
	}

}
