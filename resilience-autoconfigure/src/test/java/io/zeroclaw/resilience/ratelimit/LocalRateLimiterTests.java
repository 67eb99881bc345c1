package io.zeroclaw.resilience.ratelimit;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The reference cases of {@link LocalRateLimiter}, on a fake clock.
 */
class LocalRateLimiterTests {

	private final FakeNanoClock clock = new FakeNanoClock();

	private LocalRateLimiter limiter(long requestsPerWindow, Duration window, long burst, int maxKeys) {
		return new LocalRateLimiter(new RateLimitPolicy("test", requestsPerWindow, window, burst), maxKeys, this.clock);
	}

	@Test
	void tryAcquireShouldAllowCapacityRequestsThenRefuse() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 100);
		for (int i = 0; i < 5; i++) {
			RateLimitDecision decision = limiter.tryAcquire("client");
			assertThat(decision.allowed()).isTrue();
			assertThat(decision.limit()).isEqualTo(5);
			assertThat(decision.remaining()).isEqualTo(4 - i);
			assertThat(decision.retryAfter()).isZero();
			assertThat(decision.resetAfter()).isEqualTo(Duration.ofSeconds(12L * (i + 1)));
		}
		RateLimitDecision refused = limiter.tryAcquire("client");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.remaining()).isZero();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(12));
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofMinutes(1));
	}

	@Test
	void burstShouldAddToTheCapacity() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 3, 100);
		for (int i = 0; i < 8; i++) {
			assertThat(limiter.tryAcquire("client").allowed()).as("request %d", i + 1).isTrue();
		}
		RateLimitDecision refused = limiter.tryAcquire("client");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.limit()).isEqualTo(8);
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofSeconds(96));
	}

	@Test
	void newKeyShouldStartWithAFullBucket() {
		LocalRateLimiter limiter = limiter(10, Duration.ofSeconds(1), 5, 100);
		RateLimitDecision first = limiter.tryAcquire("client");
		assertThat(first.allowed()).isTrue();
		assertThat(first.remaining()).isEqualTo(14);
	}

	@Test
	void bucketShouldRefillOneTokenPerIntervalAndNotBeyondCapacity() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 100);
		exhaust(limiter, "client");
		this.clock.advanceNanos(Duration.ofSeconds(12).toNanos() - 1);
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		this.clock.advanceNanos(1);
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		assertThat(limiter.tryAcquire("client").allowed()).isFalse();
		this.clock.advance(Duration.ofHours(5));
		assertThat(countAllowed(limiter, "client", 100)).isEqualTo(5);
	}

	@Test
	void keysShouldHaveIndependentBuckets() {
		LocalRateLimiter limiter = limiter(2, Duration.ofMinutes(1), 0, 100);
		exhaust(limiter, "a");
		assertThat(limiter.tryAcquire("a").allowed()).isFalse();
		assertThat(limiter.tryAcquire("b").allowed()).isTrue();
		assertThat(limiter.tryAcquire("b").remaining()).isZero();
		assertThat(limiter.size()).isEqualTo(2);
	}

	@Test
	void tryAcquireOfSeveralPermitsShouldTakeAllOrNone() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 100);
		assertThat(limiter.tryAcquire("client", 3).remaining()).isEqualTo(2);
		RateLimitDecision refused = limiter.tryAcquire("client", 3);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.remaining()).isEqualTo(2);
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(12));
		RateLimitDecision rest = limiter.tryAcquire("client", 2);
		assertThat(rest.allowed()).isTrue();
		assertThat(rest.remaining()).isZero();
	}

	@Test
	void waitingRetryAfterShouldBeExactlyEnough() {
		LocalRateLimiter limiter = limiter(7, Duration.ofMinutes(1), 1, 100);
		exhaust(limiter, "client");
		this.clock.advance(Duration.ofMillis(1234));
		RateLimitDecision refused = limiter.tryAcquire("client", 2);
		assertThat(refused.allowed()).isFalse();
		this.clock.advanceNanos(refused.retryAfter().toNanos() - 1);
		assertThat(limiter.tryAcquire("client", 2).allowed()).isFalse();
		this.clock.advanceNanos(1);
		assertThat(limiter.tryAcquire("client", 2).allowed()).isTrue();
	}

	@Test
	void resetAfterShouldBeTheTimeUntilTheBucketIsFull() {
		LocalRateLimiter limiter = limiter(4, Duration.ofSeconds(8), 0, 100);
		limiter.tryAcquire("client", 3);
		this.clock.advance(Duration.ofSeconds(1));
		RateLimitDecision decision = limiter.tryAcquire("client");
		assertThat(decision.resetAfter()).isEqualTo(Duration.ofSeconds(7));
		this.clock.advance(Duration.ofSeconds(7));
		assertThat(limiter.tryAcquire("client").remaining()).isEqualTo(3);
	}

	@Test
	void permitsAboveTheCapacityShouldNeverBeAllowedAndNotBeTracked() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 100);
		RateLimitDecision decision = limiter.tryAcquire("client", 6);
		assertThat(decision.allowed()).isFalse();
		assertThat(decision.retryAfter()).isEqualTo(LocalRateLimiter.NEVER);
		assertThat(decision.remaining()).isEqualTo(5);
		assertThat(limiter.size()).isZero();
	}

	@Test
	void zeroCapacityShouldRefuseEveryRequestForever() {
		LocalRateLimiter limiter = limiter(0, Duration.ZERO, 0, 100);
		RateLimitDecision decision = limiter.tryAcquire("client");
		assertThat(decision.allowed()).isFalse();
		assertThat(decision.limit()).isZero();
		assertThat(decision.remaining()).isZero();
		assertThat(decision.retryAfter()).isEqualTo(LocalRateLimiter.NEVER);
		assertThat(decision.resetAfter()).isZero();
		assertThat(limiter.size()).isZero();
	}

	@Test
	void burstWithoutRefillShouldBeSpentOnlyOnce() {
		LocalRateLimiter limiter = limiter(0, Duration.ofMinutes(1), 2, 100);
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		RateLimitDecision last = limiter.tryAcquire("client");
		assertThat(last.allowed()).isTrue();
		assertThat(last.resetAfter()).isEqualTo(LocalRateLimiter.NEVER);
		this.clock.advance(Duration.ofDays(3650));
		RateLimitDecision refused = limiter.tryAcquire("client");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(LocalRateLimiter.NEVER);
	}

	@Test
	void capacityOfOneShouldAllowOneRequestPerWindow() {
		LocalRateLimiter limiter = limiter(1, Duration.ofHours(1), 0, 100);
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
		RateLimitDecision refused = limiter.tryAcquire("client");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofHours(1));
		this.clock.advance(Duration.ofHours(1));
		assertThat(limiter.tryAcquire("client").allowed()).isTrue();
	}

	@Test
	void rateFinerThanOneTokenPerNanosecondShouldStillBeEnforced() {
		LocalRateLimiter limiter = limiter(1_000_000, Duration.ofNanos(1), 0, 100);
		assertThat(countAllowed(limiter, "client", 2_000_000)).isEqualTo(1_000_000);
	}

	@Test
	void fullBucketShouldBeDroppedToMakeRoomButAnActiveOneKept() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 2);
		exhaust(limiter, "active");
		limiter.tryAcquire("idle");
		this.clock.advance(Duration.ofSeconds(12));
		// "idle" is full again and "active" has one token back: only "idle" may go.
		assertThat(limiter.tryAcquire("newcomer").allowed()).isTrue();
		assertThat(limiter.size()).isEqualTo(2);
		assertThat(limiter.overflowDecisions()).isZero();
		assertThat(countAllowed(limiter, "active", 10)).isEqualTo(1);
		assertThat(limiter.tryAcquire("newcomer").remaining()).isEqualTo(3);
	}

	@Test
	void droppedKeyShouldComeBackWithTheFullBucketItHad() {
		LocalRateLimiter limiter = limiter(3, Duration.ofSeconds(3), 0, 1);
		limiter.tryAcquire("first", 3);
		this.clock.advance(Duration.ofSeconds(3));
		limiter.tryAcquire("second");
		assertThat(limiter.size()).isEqualTo(1);
		this.clock.advance(Duration.ofSeconds(1));
		// "second" is full again; "first" regains its own full bucket, as it would have had it been kept.
		assertThat(countAllowed(limiter, "first", 10)).isEqualTo(3);
	}

	@Test
	void sweepOfALargeTableShouldLookAtOneChunkPerRequestAndGoOnWhereItStopped() {
		int keys = 4 * LocalRateLimiter.SWEEP_CHUNK;
		LocalRateLimiter limiter = limiter(1, Duration.ofSeconds(1), 0, keys);
		for (int i = 0; i < keys; i++) {
			limiter.tryAcquire("idle-" + i);
		}
		this.clock.advance(Duration.ofSeconds(1));
		// every bucket is full again, but the newcomer's sweep looks at one chunk, not the whole table
		assertThat(limiter.tryAcquire("newcomer-0").allowed()).isTrue();
		assertThat(limiter.size()).isEqualTo(keys - LocalRateLimiter.SWEEP_CHUNK + 1);
		// newcomers fill the table; each millisecond, the next one to find it full sweeps the next chunk of the pass
		int newcomers = 1;
		for (int round = 0; round < 20; round++) {
			this.clock.advanceNanos(1_000_000);
			long overflowed = limiter.overflowDecisions();
			while (limiter.overflowDecisions() == overflowed) {
				limiter.tryAcquire("newcomer-" + newcomers++);
			}
		}
		// the pass went round the table: every idle bucket made room for a newcomer, and no active one was dropped
		assertThat(newcomers - limiter.overflowDecisions()).isEqualTo(keys);
		assertThat(limiter.size()).isEqualTo(keys);
	}

	@Test
	@SuppressWarnings("unchecked")
	void idleBucketsAtTheFarEndOfALargeTableShouldMakeRoomForTheNextNewcomer() throws Exception {
		int keys = 4 * LocalRateLimiter.SWEEP_CHUNK;
		// two tokens, one back every 100 s
		LocalRateLimiter limiter = limiter(2, Duration.ofSeconds(200), 0, keys);
		for (int i = 0; i < keys; i++) {
			limiter.tryAcquire("k-" + i);
		}
		Field buckets = LocalRateLimiter.class.getDeclaredField("buckets");
		buckets.setAccessible(true);
		List<String> order = new ArrayList<>(((Map<String, ?>) buckets.get(limiter)).keySet());
		// the last chunk of the table goes idle, the rest stays in debt
		Set<String> idle = new HashSet<>(order.subList(order.size() - LocalRateLimiter.SWEEP_CHUNK, order.size()));
		this.clock.advance(Duration.ofSeconds(50));
		for (String key : order) {
			if (!idle.contains(key)) {
				assertThat(limiter.tryAcquire(key).allowed()).isTrue();
			}
		}
		this.clock.advance(Duration.ofSeconds(50));
		// the first sweep's chunk frees nothing; it goes on to the idle ones rather than leave the newcomer to overflow
		for (int i = 0; i < 30; i++) {
			assertThat(limiter.tryAcquire("new-" + i).allowed()).isTrue();
		}
		assertThat(limiter.overflowDecisions()).isZero();
	}

	@Test
	void newcomersShouldShareTheOverflowBucketWhenEverySlotIsActive() {
		LocalRateLimiter limiter = limiter(2, Duration.ofMinutes(1), 0, 2);
		limiter.tryAcquire("a");
		limiter.tryAcquire("b");
		assertThat(limiter.tryAcquire("c").allowed()).isTrue();
		assertThat(limiter.tryAcquire("d").allowed()).isTrue();
		RateLimitDecision refused = limiter.tryAcquire("e");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(30));
		assertThat(limiter.overflowDecisions()).isEqualTo(3);
		assertThat(limiter.size()).isEqualTo(2);
		assertThat(limiter.tryAcquire("a").allowed()).isTrue();
	}

	@Test
	void keysLongerThan256CharactersShouldBeStoredHashedButKeptApart() {
		LocalRateLimiter limiter = limiter(1, Duration.ofMinutes(1), 0, 100);
		String prefix = "k".repeat(300);
		assertThat(limiter.tryAcquire(prefix + "1").allowed()).isTrue();
		assertThat(limiter.tryAcquire(prefix + "1").allowed()).isFalse();
		assertThat(limiter.tryAcquire(prefix + "2").allowed()).isTrue();
		assertThat(limiter.tryAcquire("k".repeat(256)).allowed()).isTrue();
		assertThat(limiter.size()).isEqualTo(3);
	}

	@Test
	@Timeout(10)
	void floodOfNewKeysShouldLeaveAnExhaustedKeyExhaustedAndTheTableAtItsBound() {
		LocalRateLimiter limiter = limiter(60, Duration.ofMinutes(1), 0, 1000);
		exhaust(limiter, "victim");
		for (int i = 0; i < 2_000_000; i++) {
			limiter.tryAcquire("flood-" + i);
			if (i % 1000 == 0) {
				// 1 µs per new key: flood keys fill up again after a second and are swept, the victim is not.
				this.clock.advanceNanos(1_000_000);
			}
		}
		assertThat(limiter.size()).isEqualTo(1000);
		// Two seconds passed: exactly two tokens came back, nothing was reset.
		assertThat(countAllowed(limiter, "victim", 100)).isEqualTo(2);
		assertThat(limiter.overflowDecisions()).isPositive();
	}

	@Test
	@Timeout(10)
	void floodOfNewKeysOnAFrozenClockShouldNotEvictAnyone() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 1000);
		exhaust(limiter, "victim");
		for (int i = 0; i < 2_000_000; i++) {
			limiter.tryAcquire("flood-" + i);
		}
		assertThat(limiter.size()).isEqualTo(1000);
		assertThat(limiter.tryAcquire("victim").allowed()).isFalse();
		assertThat(limiter.overflowDecisions()).isEqualTo(2_000_000 - 999);
	}

	@Test
	void constructorShouldRefuseFewerThanOneKey() {
		RateLimitPolicy policy = new RateLimitPolicy("test", 1, Duration.ofSeconds(1), 0);
		assertThatIllegalArgumentException().isThrownBy(() -> new LocalRateLimiter(policy, 0, this.clock))
			.withMessageContaining("maxKeys");
	}

	@Test
	void tryAcquireShouldRefuseFewerThanOnePermit() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 100);
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.tryAcquire("client", 0))
			.withMessageContaining("permits");
	}

	@Test
	void decisionsShouldBeTheSameWhateverTheClockOrigin() {
		List<Boolean> atZero = new ArrayList<>();
		List<Boolean> nearOverflow = new ArrayList<>();
		for (FakeNanoClock clock : List.of(new FakeNanoClock(0), new FakeNanoClock(Long.MAX_VALUE - 1_000_000_000L))) {
			LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("test", 2, Duration.ofMillis(10), 0),
					10, clock);
			List<Boolean> outcomes = (clock.getAsLong() == 0) ? atZero : nearOverflow;
			for (int i = 0; i < 50; i++) {
				outcomes.add(limiter.tryAcquire("client").allowed());
				clock.advanceNanos(2_000_000);
			}
		}
		assertThat(nearOverflow).isEqualTo(atZero).contains(false);
	}

	@Test
	void policyThatTakesMoreThanSeventyYearsToRefillShouldBeRefusedRatherThanCutDown() {
		assertThatIllegalArgumentException().isThrownBy(() -> limiter(1, Duration.ofDays(365L * 100), 1, 100))
			.withMessageContaining("Policy 'test' takes more than 73 years to refill")
			.withMessageContaining("requestsPerWindow = 0");
		assertThatIllegalArgumentException().isThrownBy(() -> limiter(1, Duration.ofSeconds(Long.MAX_VALUE), 0, 100));
		LocalRateLimiter fifty = limiter(1, Duration.ofDays(365L * 25), 1, 100);
		assertThat(fifty.tryAcquire("k", 2).allowed()).isTrue();
	}

	@Test
	void policyRefillingFasterThanOneTokenANanosecondShouldBeRefusedForItsRateNotForItsSlowness() {
		RateLimitPolicy unlimited = new RateLimitPolicy("unlimited", Long.MAX_VALUE, Duration.ofSeconds(1), 0);
		assertThatIllegalArgumentException().isThrownBy(() -> new LocalRateLimiter(unlimited, 100, () -> 0))
			.withMessageContaining("Policy 'unlimited' refills more than one token a nanosecond")
			.withMessageContaining("lower requestsPerWindow and burst")
			.withMessageNotContaining("requestsPerWindow = 0");
		RateLimitPolicy billionASecond = new RateLimitPolicy("fast", 4_000_000_000L, Duration.ofSeconds(1), 0);
		assertThat(new LocalRateLimiter(billionASecond, 100, () -> 0).tryAcquire("k").allowed()).isTrue();
	}

	@Test
	void refusalShouldTellTheTimeLeftUntilTheBucketIsFullAsTimePasses() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 100);
		exhaust(limiter, "client");
		this.clock.advance(Duration.ofSeconds(6));
		RateLimitDecision refused = limiter.tryAcquire("client");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.remaining()).isZero();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(6));
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofSeconds(54));
	}

	@Test
	void requestAboveTheCapacityShouldReportTheBucketAsItIsNow() {
		LocalRateLimiter limiter = limiter(5, Duration.ofMinutes(1), 0, 100);
		limiter.tryAcquire("client", 2);
		this.clock.advance(Duration.ofSeconds(6));
		// 24 s of debt less the 6 s gone: 18 s to full, three and a half tokens held
		RateLimitDecision refused = limiter.tryAcquire("client", 6);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(LocalRateLimiter.NEVER);
		assertThat(refused.remaining()).isEqualTo(3);
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofSeconds(18));
	}

	@Test
	void bucketShouldHoldItsCapacityWhereverTheClockStarts() {
		// System.nanoTime() has an arbitrary origin: any reading, even one whose double would overflow, may come first
		for (long start : new long[] { 0, -1, Long.MIN_VALUE / 2, Long.MAX_VALUE / 2, Long.MAX_VALUE - 1 }) {
			FakeNanoClock clock = new FakeNanoClock(start);
			LocalRateLimiter limiter = new LocalRateLimiter(new RateLimitPolicy("test", 5, Duration.ofMinutes(1), 0),
					100, clock);
			assertThat(countAllowed(limiter, "client", 100)).as("clock starting at %d", start).isEqualTo(5);
			clock.advance(Duration.ofSeconds(12));
			assertThat(countAllowed(limiter, "client", 100)).as("clock starting at %d", start).isEqualTo(1);
		}
	}

	@Test
	void remainingOfAQuotaOfMoreThanTwoToThe48TokensShouldStillBeExact() {
		// one token every 3 ns, and as many as fit in the 73 years a bucket may take to fill: too many for the
		// reciprocal shortcut, whose estimate of so large a quotient is off by dozens of tokens
		long capacity = (Long.MAX_VALUE >> 2) / 3;
		LocalRateLimiter limiter = limiter(1_000_000_000, Duration.ofSeconds(3), capacity - 1_000_000_000, 100);
		assertThat(limiter.tryAcquire("client").remaining()).isEqualTo(capacity - 1);
		assertThat(limiter.tryAcquire("client", 1000).remaining()).isEqualTo(capacity - 1001);
		this.clock.advanceNanos(3 * 500);
		assertThat(limiter.tryAcquire("client").remaining()).isEqualTo(capacity - 502);
	}

	private static void exhaust(RateLimiter limiter, String key) {
		while (limiter.tryAcquire(key).allowed()) {
			// keep taking
		}
	}

	private static int countAllowed(RateLimiter limiter, String key, int attempts) {
		int allowed = 0;
		for (int i = 0; i < attempts; i++) {
			if (limiter.tryAcquire(key).allowed()) {
				allowed++;
			}
		}
		return allowed;
	}

}
