package io.zeroclaw.resilience.backpressure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The per-thread slot pools: admissions taken from a pool count in the depth, slots parked in any pool never cause a
 * shed below the limit, an empty pool starts to fill only far below the limits, and a full pool gives half its slots
 * back.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackpressureControllerPoolTests {

	/** Pinned so that the pool capacity is the same on every machine: min(64, 500 / (4 * 4)) = 31. */
	private static final int POOLS = 4;

	private BackpressureController controller;

	private ExecutorService other;

	@BeforeEach
	void setUp() {
		this.controller = new BackpressureController(new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, POOLS);
		this.other = Executors.newSingleThreadExecutor(this::threadOnAnotherPool);
	}

	@AfterEach
	void tearDown() {
		this.other.shutdownNow();
	}

	/** A thread whose id selects a different pool from the test thread's. */
	private Thread threadOnAnotherPool(Runnable runnable) {
		long mine = Thread.currentThread().getId() & (POOLS - 1);
		while (true) {
			Thread thread = new Thread(runnable, "other-pool");
			if ((thread.getId() & (POOLS - 1)) != mine) {
				thread.setDaemon(true);
				return thread;
			}
		}
	}

	private <T> T onOtherThread(Callable<T> task) throws Exception {
		return this.other.submit(task).get(10, TimeUnit.SECONDS);
	}

	/** Admits and closes {@code count} admissions at once on the other thread, which parks them in its pool. */
	private void fillOtherPool(int count) throws Exception {
		onOtherThread(() -> {
			List<Admission> held = admit(count, Priority.NORMAL);
			held.forEach(Admission::close);
			return null;
		});
	}

	/** Admits {@code count} pieces of work of a priority on the calling thread, and holds them. */
	private List<Admission> admit(int count, Priority priority) {
		List<Admission> held = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			held.add(this.controller.admit(priority));
		}
		return held;
	}

	private static int admitUntilShed(BackpressureController controller, Priority priority, List<Admission> held) {
		int admitted = 0;
		while (true) {
			try {
				held.add(controller.admit(priority));
				admitted++;
			}
			catch (LoadShedException ex) {
				assertThat(ex.depth()).isEqualTo(controller.depth());
				return admitted;
			}
			if (admitted > controller.maxQueueDepth() + 1) {
				throw new AssertionError(priority + " was never shed");
			}
		}
	}

	@Test
	void largeQueuesShouldHavePoolsAndSmallQueuesShouldNot() {
		assertThat(this.controller.poolCapacity()).isEqualTo(31);
		assertThat(new BackpressureController(new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95)).poolCapacity())
			.isPositive();
		assertThat(new BackpressureController(new BackpressureConfig(10, 0.5, 0.7, 0.85, 0.95)).poolCapacity())
			.isZero();
	}

	@Test
	void closesFarBelowTheLimitsShouldParkTheirSlotsWithoutChangingTheDepth() throws Exception {
		fillOtherPool(5);
		assertThat(this.controller.pooledSlots()).isEqualTo(5);
		assertThat(this.controller.depth()).isZero();
		assertThat(this.controller.awaitDrained(Duration.ZERO)).isTrue();
	}

	@ParameterizedTest
	@CsvSource({ "BACKGROUND, 500", "LOW, 700", "NORMAL, 850", "HIGH, 950" })
	void slotsParkedInAnotherPoolShouldNotCauseAShedBelowTheLimit(Priority priority, int limit) throws Exception {
		fillOtherPool(20);
		assertThat(this.controller.pooledSlots()).isEqualTo(20);
		List<Admission> held = new ArrayList<>();
		assertThat(admitUntilShed(this.controller, priority, held)).isEqualTo(limit);
		assertThat(this.controller.depth()).isEqualTo(limit);
		assertThat(this.controller.pooledSlots()).isZero();
	}

	@ParameterizedTest
	@CsvSource({ "BACKGROUND, 500", "LOW, 700", "NORMAL, 850", "HIGH, 950" })
	void slotsParkedInTheOwnPoolShouldAdmitExactlyUpToTheLimit(Priority priority, int limit) {
		List<Admission> warmUp = admit(31, priority);
		warmUp.forEach(Admission::close);
		assertThat(this.controller.pooledSlots()).isEqualTo(31);
		List<Admission> held = new ArrayList<>();
		assertThat(admitUntilShed(this.controller, priority, held)).isEqualTo(limit);
		assertThat(this.controller.depth()).isEqualTo(limit);
	}

	@Test
	void aMixedSequenceShouldShedEachPriorityExactlyAtItsLimitWhilePoolsHoldSlots() throws Exception {
		fillOtherPool(31);
		List<Admission> warmUp = admit(12, Priority.LOW);
		warmUp.forEach(Admission::close);
		assertThat(this.controller.pooledSlots()).isEqualTo(43);
		List<Admission> held = admit(499, Priority.HIGH);
		// one below the lowest limit, with slots still parked in the other pool: the background work gets in
		held.add(this.controller.admit(Priority.BACKGROUND));
		assertThat(admitUntilShed(this.controller, Priority.BACKGROUND, held)).isZero();
		assertThat(admitUntilShed(this.controller, Priority.LOW, held)).isEqualTo(200);
		assertThat(admitUntilShed(this.controller, Priority.NORMAL, held)).isEqualTo(150);
		assertThat(admitUntilShed(this.controller, Priority.HIGH, held)).isEqualTo(100);
		assertThat(this.controller.depth()).isEqualTo(950);
		held.remove(0).close();
		assertThat(this.controller.depth()).isEqualTo(949);
		assertThat(admitUntilShed(this.controller, Priority.HIGH, held)).isOne();
		held.forEach(Admission::close);
		assertThat(this.controller.depth()).isZero();
	}

	@Test
	void closesNearTheLimitsShouldNotParkTheirSlots() {
		List<Admission> held = admit(600, Priority.HIGH);
		held.remove(0).close();
		assertThat(this.controller.pooledSlots()).isZero();
		assertThat(this.controller.depth()).isEqualTo(599);
	}

	@Test
	void aCloseIntoAFullPoolShouldGiveHalfThePoolAndItsOwnSlotBackAtOnce() throws Exception {
		// 31 park, the 32nd finds the pool full and gives back 16 parked slots with its own, the rest park again
		fillOtherPool(40);
		assertThat(this.controller.pooledSlots()).isEqualTo(15 + 8);
		assertThat(this.controller.depth()).isZero();
		List<Admission> held = new ArrayList<>();
		assertThat(admitUntilShed(this.controller, Priority.NORMAL, held)).isEqualTo(850);
		held.forEach(Admission::close);
		assertThat(this.controller.depth()).isZero();
	}

	@Test
	void aPoolHoldingSlotsShouldTakeMoreNearTheLimitsWithoutCausingAShed() throws Exception {
		fillOtherPool(1);
		List<Admission> held = admit(600, Priority.HIGH);
		// the other thread's pool is not empty, so its close parks without reading the shared count
		Admission closedElsewhere = held.remove(0);
		onOtherThread(() -> {
			closedElsewhere.close();
			return null;
		});
		assertThat(this.controller.pooledSlots()).isEqualTo(2);
		assertThat(this.controller.depth()).isEqualTo(599);
		assertThat(admitUntilShed(this.controller, Priority.HIGH, held)).isEqualTo(950 - 599);
		assertThat(this.controller.pooledSlots()).isZero();
		held.forEach(Admission::close);
		assertThat(this.controller.depth()).isZero();
	}

	@Test
	void stopAcceptingShouldShedWorkThatAPoolCouldHaveAdmitted() throws Exception {
		fillOtherPool(3);
		this.controller.stopAccepting();
		assertThatExceptionOfType(ExecutionException.class)
			.isThrownBy(() -> onOtherThread(() -> this.controller.admit(Priority.HIGH)))
			.withCauseInstanceOf(LoadShedException.class);
		assertThat(this.controller.depth()).isZero();
		this.controller.resumeAccepting();
		assertThat(onOtherThread(() -> this.controller.admit(Priority.BACKGROUND))).isNotNull();
		assertThat(this.controller.depth()).isOne();
	}

	@Test
	void awaitDrainedShouldNotReturnTrueWhileAnAdmissionTakenFromAPoolIsOpen() throws Exception {
		fillOtherPool(1);
		Admission pooled = onOtherThread(() -> this.controller.admit(Priority.NORMAL));
		// the admission came out of the other thread's pool
		assertThat(this.controller.pooledSlots()).isZero();
		assertThat(this.controller.depth()).isOne();
		assertThat(this.controller.awaitDrained(Duration.ofMillis(50))).isFalse();
		FutureTask<Boolean> drained = new FutureTask<>(() -> this.controller.awaitDrained(Duration.ofSeconds(20)));
		Thread waiter = new Thread(drained, "drain-waiter");
		waiter.start();
		// the close must find the waiter already waiting, or it would prove nothing about waking it
		while (waiter.getState() != Thread.State.TIMED_WAITING) {
			Thread.onSpinWait();
		}
		assertThat(drained.isDone()).isFalse();
		onOtherThread(() -> {
			pooled.close();
			return null;
		});
		// the close parked the slot rather than lowering the shared count, and still woke the waiter
		assertThat(this.controller.pooledSlots()).isOne();
		assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
		assertThat(this.controller.depth()).isZero();
	}

}
