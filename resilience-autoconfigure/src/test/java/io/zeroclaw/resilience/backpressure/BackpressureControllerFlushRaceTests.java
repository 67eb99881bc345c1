package io.zeroclaw.resilience.backpressure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Admissions racing at a limit while slots are parked in the pools all flush the pools at once: none may be shed while
 * the true depth is below its limit, though a flush by another thread has taken slots out of the pools and not yet
 * lowered the shared count, except in the rare windows the controller's Javadoc names. Each round parks slots
 * (admit-and-close far below the limits on every thread), holds CRITICAL work up to {@value #RACERS} below
 * BACKGROUND's limit (CRITICAL bypasses the pools), then races {@value #RACERS} BACKGROUND admissions: the true depth
 * is below the limit whenever one of them asks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackpressureControllerFlushRaceTests {

	/** More threads than cores, so that the flushes interleave. */
	private static final int RACERS = 16;

	/** How long each case races; a race lost before the fix showed up within a few rounds on two cores. */
	private static final Duration BUDGET = Duration.ofSeconds(6);

	private final ExecutorService pool = Executors.newFixedThreadPool(RACERS);

	@AfterEach
	void tearDown() {
		this.pool.shutdownNow();
	}

	@ParameterizedTest(name = "queue depth {0}, {1} pools")
	@CsvSource({ "1000, 4, 20", "100000, 64, 64" })
	void workShouldNotBeShedBelowItsLimitWhileOtherThreadsFlushThePools(int maxQueueDepth, int pools,
			int parkedPerThread) throws Exception {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(maxQueueDepth, 0.5, 0.7, 0.85, 0.95), null, pools);
		int limit = controller.limit(Priority.BACKGROUND);
		int held = limit - RACERS;
		AtomicInteger falseSheds = new AtomicInteger();
		AtomicInteger lowestReportedDepth = new AtomicInteger(Integer.MAX_VALUE);
		int rounds = 0;
		int roundsWithFalseSheds = 0;
		long end = System.nanoTime() + BUDGET.toNanos();
		while (System.nanoTime() - end < 0) {
			ConcurrentRun.together(this.pool, RACERS, Duration.ofSeconds(30), (thread) -> {
				List<Admission> mine = new ArrayList<>();
				for (int i = 0; i < parkedPerThread; i++) {
					mine.add(controller.admit(Priority.NORMAL));
				}
				mine.forEach(Admission::close);
			});
			if (controller.pooledSlots() < RACERS) {
				continue;
			}
			rounds++;
			List<Admission> critical = new ArrayList<>();
			for (int i = 0; i < held; i++) {
				critical.add(controller.admit(Priority.CRITICAL));
			}
			List<Admission> background = Collections.synchronizedList(new ArrayList<>());
			int shedBefore = falseSheds.get();
			ConcurrentRun.together(this.pool, RACERS, Duration.ofSeconds(30), (thread) -> {
				try {
					background.add(controller.admit(Priority.BACKGROUND));
				}
				catch (LoadShedException ex) {
					falseSheds.incrementAndGet();
					lowestReportedDepth.accumulateAndGet(ex.depth(), Math::min);
				}
			});
			assertThat(background.size() + falseSheds.get() - shedBefore).isEqualTo(RACERS);
			if (falseSheds.get() > shedBefore) {
				roundsWithFalseSheds++;
			}
			background.forEach(Admission::close);
			critical.forEach(Admission::close);
			assertThat(controller.depth()).isZero();
		}
		assertThat(rounds).isPositive();
		// The windows the controller's Javadoc names (a take about to give its slot back, a thread descheduled
		// between its last flush and its last read, ...) let a shed through now and then: in one round of about
		// 10 000 here, once in several builds. Before the fix, racing flushes shed within a few rounds; a shed
		// in one round of a thousand is a regression this test catches, a smaller one it cannot tell from noise.
		assertThat(roundsWithFalseSheds)
			.as("rounds of %d in which BACKGROUND admissions were shed while the true depth was at most %d of the "
					+ "limit %d (%d sheds, reporting depths of %d and more)", rounds, limit - 1, limit,
					falseSheds.get(), lowestReportedDepth.get())
			.isLessThanOrEqualTo(1 + rounds / 1000);
	}

	/**
	 * A flush stopped half-way (its thread descheduled, suspended by a debugger) must not hold up every shed: a shed
	 * waits for it a bounded while, then sheds. The flush is simulated by its start count, one ahead of its end count.
	 */
	@Test
	void aShedShouldNotWaitForAFlushThatNeverEnds() throws Exception {
		List<Admission> held = new ArrayList<>();
		BackpressureController controller = UnfinishedFlush.atBackgroundLimit(held);
		LoadShedException shed = assertTimeoutPreemptively(Duration.ofSeconds(10),
				() -> catchThrowableOfType(LoadShedException.class, () -> controller.admit(Priority.BACKGROUND)));
		assertThat(shed).isNotNull();
		assertThat(shed.depth()).isEqualTo(controller.limit(Priority.BACKGROUND));
		held.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
	}

	@Test
	void aShedAtTheLimitShouldStillReportTheTrueDepthWithPoolsFlushed() {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 4);
		List<Admission> parked = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			parked.add(controller.admit(Priority.NORMAL));
		}
		parked.forEach(Admission::close);
		assertThat(controller.pooledSlots()).isPositive();
		List<Admission> held = new ArrayList<>();
		for (int i = 0; i < controller.limit(Priority.BACKGROUND); i++) {
			held.add(controller.admit(Priority.CRITICAL));
		}
		LoadShedException shed = catchThrowableOfType(LoadShedException.class,
				() -> controller.admit(Priority.BACKGROUND));
		assertThat(shed).isNotNull();
		assertThat(shed.depth()).isEqualTo(controller.limit(Priority.BACKGROUND));
		held.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
	}

}
