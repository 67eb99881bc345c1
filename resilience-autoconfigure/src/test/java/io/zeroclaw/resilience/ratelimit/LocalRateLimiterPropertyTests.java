package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of {@link LocalRateLimiter} over random schedules of requests and time steps on a fake clock.
 */
class LocalRateLimiterPropertyTests {

	@Property(tries = 500)
	void permitsAllowedInAnyIntervalShouldNotExceedCapacityPlusRateTimesInterval(
			@ForAll @IntRange(min = 1, max = 20) int requestsPerWindow,
			@ForAll @LongRange(min = 1, max = 10_000_000_000L) long windowNanos,
			@ForAll @IntRange(min = 0, max = 5) int burst, @ForAll("schedules") List<Step> schedule) {
		FakeNanoClock clock = new FakeNanoClock();
		RateLimitPolicy policy = new RateLimitPolicy("p", requestsPerWindow, Duration.ofNanos(windowNanos), burst);
		LocalRateLimiter limiter = new LocalRateLimiter(policy, 10, clock);
		long capacity = policy.capacity();
		long[] times = new long[schedule.size()];
		long[] allowed = new long[schedule.size()];
		long elapsed = 0;
		for (int i = 0; i < schedule.size(); i++) {
			Step step = schedule.get(i);
			long advance = step.advanceInTokenThousandths() * windowNanos / requestsPerWindow / 1000;
			clock.advanceNanos(advance);
			elapsed += advance;
			times[i] = elapsed;
			allowed[i] = limiter.tryAcquire("client", step.permits()).allowed() ? step.permits() : 0;
		}
		assertNoIntervalAllowsMoreThanCapacityPlusRate(times, allowed, capacity, requestsPerWindow, windowNanos);
	}

	@Property(tries = 500)
	void loneClientWhoWaitsRetryAfterShouldBeAllowedAndNotABitSooner(
			@ForAll @IntRange(min = 1, max = 20) int requestsPerWindow,
			@ForAll @LongRange(min = 1, max = 10_000_000_000L) long windowNanos,
			@ForAll @IntRange(min = 0, max = 5) int burst, @ForAll("schedules") List<Step> schedule) {
		FakeNanoClock clock = new FakeNanoClock();
		RateLimitPolicy policy = new RateLimitPolicy("p", requestsPerWindow, Duration.ofNanos(windowNanos), burst);
		LocalRateLimiter limiter = new LocalRateLimiter(policy, 10, clock);
		for (Step step : schedule) {
			clock.advanceNanos(step.advanceInTokenThousandths() * windowNanos / requestsPerWindow / 1000);
			RateLimitDecision decision = limiter.tryAcquire("client", step.permits());
			if (decision.allowed()) {
				assertThat(decision.retryAfter()).isZero();
				continue;
			}
			if (step.permits() > policy.capacity()) {
				assertThat(decision.retryAfter()).isEqualTo(LocalRateLimiter.NEVER);
				continue;
			}
			long wait = decision.retryAfter().toNanos();
			assertThat(wait).isPositive();
			clock.advanceNanos(wait - 1);
			assertThat(limiter.tryAcquire("client", step.permits()).allowed()).as("one nanosecond early").isFalse();
			clock.advanceNanos(1);
			assertThat(limiter.tryAcquire("client", step.permits()).allowed()).as("after retryAfter").isTrue();
		}
	}

	@Property(tries = 500)
	void keyStripedAndMergedAtRandomShouldNotExceedCapacityPlusRateTimesInterval(
			@ForAll @IntRange(min = 4, max = 40) int requestsPerWindow,
			@ForAll @LongRange(min = 1, max = 1_000_000L) long nanosPerToken,
			@ForAll @IntRange(min = 0, max = 5) int burst, @ForAll("schedules") List<Step> schedule,
			@ForAll("stripeAt") List<Boolean> stripeAt) {
		// Fast enough to be striped (a token at least every millisecond), with 4 stripes.
		long windowNanos = nanosPerToken * requestsPerWindow;
		FakeNanoClock clock = new FakeNanoClock();
		RateLimitPolicy policy = new RateLimitPolicy("p", requestsPerWindow, Duration.ofNanos(windowNanos), burst);
		LocalRateLimiter limiter = new LocalRateLimiter(policy, 10, clock, 4);
		long capacity = policy.capacity();
		long[] times = new long[schedule.size()];
		long[] allowed = new long[schedule.size()];
		long elapsed = 0;
		for (int i = 0; i < schedule.size(); i++) {
			Step step = schedule.get(i);
			long advance = step.advanceInTokenThousandths() * nanosPerToken / 1000;
			clock.advanceNanos(advance);
			elapsed += advance;
			times[i] = elapsed;
			if (stripeAt.get(i % stripeAt.size())) {
				// A multi-permit request may merge the stripes again; striping again splits whatever is there.
				limiter.stripe("client");
			}
			allowed[i] = limiter.tryAcquire("client", step.permits()).allowed() ? step.permits() : 0;
		}
		assertNoIntervalAllowsMoreThanCapacityPlusRate(times, allowed, capacity, requestsPerWindow, windowNanos);
	}

	@Property(tries = 5000)
	void tokensBetweenTwoTimesShouldBeTheExactQuotientWhateverTheInterval(
			@ForAll @LongRange(min = 1, max = 4_000_000_000_000_000_000L) long interval,
			@ForAll @LongRange(min = 0, max = LocalRateLimiter.MAX_RECIPROCAL_QUOTIENT - 1) long quotient,
			@ForAll @LongRange(min = -1, max = Long.MAX_VALUE) long restSeed) {
		// Any span whose quotient is below the bound, and that fits a long: quotient * interval + rest.
		long q = Math.min(quotient, (Long.MAX_VALUE - interval) / interval);
		long span = q * interval + ((restSeed < 0) ? -1 : restSeed % interval);
		assertThat(LocalRateLimiter.tokens(span, interval, 1.0 / interval)).isEqualTo(Math.max(0, span / interval));
		assertThat(LocalRateLimiter.tokens(span, interval, 0)).isEqualTo(Math.max(0, span / interval));
	}

	/** Between any two steps: permits allowed <= capacity + requestsPerWindow * interval / windowNanos, in integers. */
	private static void assertNoIntervalAllowsMoreThanCapacityPlusRate(long[] times, long[] allowed, long capacity,
			long requestsPerWindow, long windowNanos) {
		for (int from = 0; from < times.length; from++) {
			long sum = 0;
			for (int to = from; to < times.length; to++) {
				sum += allowed[to];
				long interval = times[to] - times[from];
				assertThat(sum * windowNanos).as("permits allowed between steps %d and %d", from, to)
					.isLessThanOrEqualTo(capacity * windowNanos + requestsPerWindow * interval);
			}
		}
	}

	@Provide
	Arbitrary<List<Boolean>> stripeAt() {
		return Arbitraries.of(true, false, false, false).list().ofMinSize(1).ofMaxSize(20);
	}

	@Provide
	Arbitrary<List<Step>> schedules() {
		// Time steps in thousandths of the time one token takes to refill, often zero to make bursts.
		Arbitrary<Integer> advance = Arbitraries.frequencyOf(
				Tuple.of(3, Arbitraries.just(0)),
				Tuple.of(5, Arbitraries.integers().between(1, 1500)),
				Tuple.of(1, Arbitraries.integers().between(1500, 30_000)));
		Arbitrary<Integer> permits = Arbitraries.integers().between(1, 4);
		Arbitrary<Step> step = Combinators.combine(advance, permits).as(Step::new);
		return step.list().ofMinSize(1).ofMaxSize(150);
	}

	record Step(int advanceInTokenThousandths, int permits) {

	}

}
