package io.zeroclaw.resilience.ratelimit.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory of Redis's refusals on its own: what it tells, for how long, and how many clients it holds.
 */
class RememberedRefusalsTests {

	private static final long SECOND = 1_000_000_000L;

	@Test
	void refusalShouldTellTheTimeUntilFullLessTheTimeSince() {
		RememberedRefusals refusals = new RememberedRefusals(10, 0);
		refusals.remember("client", 5 * SECOND, 4 * SECOND, 0);
		assertThat(refusals.untilFull("client", 0)).isEqualTo(5 * SECOND);
		assertThat(refusals.untilFull("client", 300)).isEqualTo(5 * SECOND - 300);
		assertThat(refusals.untilFull("someone-else", 300)).isEqualTo(-1);
	}

	@Test
	void refusalShouldBeForgottenAfterASecondAtMost() {
		RememberedRefusals refusals = new RememberedRefusals(10, 0);
		refusals.remember("client", 5 * SECOND, 4 * SECOND, 0);
		assertThat(refusals.untilFull("client", RememberedRefusals.MEMORY_NANOS - 1)).isPositive();
		assertThat(refusals.untilFull("client", RememberedRefusals.MEMORY_NANOS)).isEqualTo(-1);
		assertThat(refusals.size()).isZero();
	}

	@Test
	void refusalShouldBeForgottenWhenOnePermitWouldBeAllowed() {
		RememberedRefusals refusals = new RememberedRefusals(10, 0);
		refusals.remember("client", 1_000, 400, 0);
		assertThat(refusals.untilFull("client", 399)).isEqualTo(601);
		assertThat(refusals.untilFull("client", 400)).isEqualTo(-1);
		// a refusal of several permits, where one would be allowed already, is not remembered
		refusals.remember("client", 1_000, 0, 0);
		refusals.remember("other", 1_000, -5, 0);
		assertThat(refusals.size()).isZero();
	}

	@Test
	void refusalShouldBeRememberedWhateverTheClocksOrigin() {
		// System.nanoTime has an arbitrary origin: only differences of its readings mean anything
		RememberedRefusals refusals = new RememberedRefusals(10, -10 * SECOND);
		refusals.remember("client", -9 * SECOND, -9 * SECOND - SECOND / 2, -10 * SECOND);
		assertThat(refusals.untilFull("client", -10 * SECOND)).isEqualTo(SECOND);
		refusals.remember("other", 11 * SECOND, 10 * SECOND, 10 * SECOND);
		assertThat(refusals.keys()).containsExactly("client");
	}

	@Test
	void fullMemoryShouldTakeNewClientsOnlyOnceOldRefusalsAreSweptOut() {
		RememberedRefusals refusals = new RememberedRefusals(2, 0);
		refusals.remember("a", 10 * SECOND, 10 * SECOND, 0);
		refusals.remember("b", 10 * SECOND, 10 * SECOND, 0);
		refusals.remember("c", 10 * SECOND, 10 * SECOND, 0);
		assertThat(refusals.size()).isEqualTo(2);
		assertThat(refusals.untilFull("c", 0)).isEqualTo(-1);
		// a client already remembered is remembered anew
		refusals.remember("a", 11 * SECOND, 10 * SECOND, 1);
		assertThat(refusals.untilFull("a", 1)).isEqualTo(11 * SECOND - 1);
		// once a and b are past their second, the next refusal sweeps them out
		refusals.remember("c", 20 * SECOND, 20 * SECOND, 2 * SECOND);
		assertThat(refusals.size()).isOne();
		assertThat(refusals.untilFull("c", 2 * SECOND)).isEqualTo(18 * SECOND);
	}

	@Test
	void sweepShouldComeAtMostEveryTenthOfASecond() {
		RememberedRefusals refusals = new RememberedRefusals(1, 0);
		refusals.remember("a", SECOND, SECOND / 20, 0);
		// a is past its time, and swept out by the first refusal that finds the memory full
		long firstSweep = SECOND / 10;
		refusals.remember("b", SECOND, firstSweep + 1, firstSweep);
		assertThat(refusals.untilFull("b", firstSweep)).isPositive();
		// b is past its time too, but the next sweep is not due yet
		refusals.remember("c", SECOND, SECOND, firstSweep + 2);
		assertThat(refusals.untilFull("c", firstSweep + 2)).isEqualTo(-1);
		refusals.remember("c", SECOND, SECOND, 2 * firstSweep);
		assertThat(refusals.untilFull("c", 2 * firstSweep)).isEqualTo(SECOND - 2 * firstSweep);
		assertThat(refusals.size()).isOne();
	}

	@Test
	void sweepShouldClearARefusalAtTheNanosecondALookupWouldForgetIt() {
		RememberedRefusals refusals = new RememberedRefusals(1, 0);
		refusals.remember("a", SECOND, SECOND / 2, 0);
		// a is forgotten at SECOND / 2 by a lookup, and so by the sweep of a newcomer at that very nanosecond
		refusals.remember("b", SECOND, SECOND, SECOND / 2);
		assertThat(refusals.keys()).containsExactly("b");
		assertThat(refusals.untilFull("b", SECOND / 2)).isEqualTo(SECOND / 2);
	}

}
