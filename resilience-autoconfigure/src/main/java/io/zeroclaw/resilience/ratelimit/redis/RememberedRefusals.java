package io.zeroclaw.resilience.ratelimit.redis;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The refusals Redis made lately for one policy, kept by this instance for at most {@link #MEMORY_NANOS}, so that a
 * client hammering a spent bucket costs Redis nothing and gets its answer without a round trip.
 * <p>
 * <b>Why it stays exact.</b> A refusal tells the bucket's theoretical arrival time (TAT) as Redis had it; every later
 * decision, by this instance or another, can only move it later (an allowance adds to it, a refusal leaves it), so
 * what Redis refused then it refuses still, until the bucket has refilled enough. The TAT is kept on this JVM's
 * monotonic clock, from the time the command was sent: Redis's clock read it later, so the TAT kept is early by the
 * command's way to Redis (its wait in the client's queue included), never late, and a request is refused here only
 * when Redis would refuse it too. What can move a TAT earlier
 * is outside the limiter: a key deleted or lost (an operator, eviction, a restart without persistence), Redis's clock
 * stepping forward, a fail-over to a replica that lags. Each is forgotten here within {@link #MEMORY_NANOS}, the longest a request is refused on old news; a policy
 * that never refills is not remembered at all, since its refusals would last until a key is deleted.
 * <p>
 * <b>Cost.</b> A lookup in a concurrent map per decision, and an entry per refused client, up to {@link #MAX_KEYS}
 * (threads racing past the bound can each add one), keyed as in Redis (a long key by its digest), so bounded in size;
 * when full, entries past their time are swept out, at most once every {@link #SWEEP_INTERVAL_NANOS}, and a new
 * refusal finds room only once older ones have expired. Entries are removed when a lookup finds them expired.
 */
final class RememberedRefusals {

	/** The longest a refusal is answered here without asking Redis again. */
	static final long MEMORY_NANOS = 1_000_000_000L;

	/** The most refused clients remembered per policy. */
	static final int MAX_KEYS = 10_000;

	private static final long SWEEP_INTERVAL_NANOS = 100_000_000L;

	private final ConcurrentHashMap<String, Refusal> refusals = new ConcurrentHashMap<>();

	private final int maxKeys;

	private final AtomicLong nextSweep;

	RememberedRefusals(int maxKeys, long now) {
		this.maxKeys = maxKeys;
		this.nextSweep = new AtomicLong(now);
	}

	/**
	 * @param key the client key
	 * @param now this JVM's clock, in the frame the refusal was remembered in
	 * @return the time until the key's bucket is full in nanoseconds, as Redis told it less the time since, or
	 * {@code -1} when no refusal of this key is remembered (or it was forgotten)
	 */
	long untilFull(String key, long now) {
		Refusal refusal = this.refusals.get(key);
		if (refusal == null) {
			return -1;
		}
		if (now - refusal.forgetAt >= 0) {
			this.refusals.remove(key, refusal);
			return -1;
		}
		return Math.max(0, refusal.tat - now);
	}

	/**
	 * Remembers that Redis refused {@code key} until {@code allowedAt} at the earliest (for one permit), its bucket
	 * full at {@code tat}.
	 * @param now this JVM's clock when the refused command was sent
	 */
	void remember(String key, long tat, long allowedAt, long now) {
		long forgetAt = (allowedAt - now < MEMORY_NANOS) ? allowedAt : now + MEMORY_NANOS;
		if (forgetAt - now <= 0) {
			return;
		}
		if (this.refusals.size() >= this.maxKeys && !this.refusals.containsKey(key)) {
			sweep(now);
			if (this.refusals.size() >= this.maxKeys) {
				return;
			}
		}
		this.refusals.put(key, new Refusal(tat, forgetAt));
	}

	private void sweep(long now) {
		long next = this.nextSweep.get();
		if (now - next < 0 || !this.nextSweep.compareAndSet(next, now + SWEEP_INTERVAL_NANOS)) {
			return;
		}
		this.refusals.values().removeIf((refusal) -> now - refusal.forgetAt >= 0);
	}

	/** @return whether no refusal is remembered: the common case, which then costs a decision no clock read */
	boolean isEmpty() {
		return this.refusals.isEmpty();
	}

	/** @return how many refusals are remembered, forgotten ones not yet removed included */
	int size() {
		return this.refusals.size();
	}

	/** @return the keys of the refusals remembered, forgotten ones not yet removed included; a view */
	Set<String> keys() {
		return Collections.unmodifiableSet(this.refusals.keySet());
	}

	private record Refusal(long tat, long forgetAt) {
	}

}
