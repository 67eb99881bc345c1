package io.zeroclaw.resilience.backpressure;

import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class BackpressureControllerTests {

	private static BackpressureController controller(int maxQueueDepth) {
		return new BackpressureController(new BackpressureConfig(maxQueueDepth, 0.5, 0.7, 0.85, 0.95));
	}

	/** Admits work of one priority until it is shed; returns how many got in. Holds everything it admitted. */
	private static int admitUntilShed(BackpressureController controller, Priority priority, List<Admission> held) {
		int admitted = 0;
		while (true) {
			try {
				held.add(controller.admit(priority));
				admitted++;
			}
			catch (LoadShedException ex) {
				return admitted;
			}
			if (admitted > controller.maxQueueDepth() + 1) {
				throw new AssertionError(priority + " was never shed");
			}
		}
	}

	@ParameterizedTest
	@CsvSource({ "BACKGROUND, 5", "LOW, 7", "NORMAL, 9", "HIGH, 10" })
	void maxQueueDepthTenShouldAdmitTheReferenceNumbers(Priority priority, int expected) {
		BackpressureController controller = controller(10);
		List<Admission> held = new ArrayList<>();
		assertThat(admitUntilShed(controller, priority, held)).isEqualTo(expected);
		assertThat(controller.depth()).isEqualTo(expected);
		assertThat(controller.limit(priority)).isEqualTo(expected);
	}

	@ParameterizedTest
	@CsvSource({ "1, 1, 1, 1, 1", "3, 2, 3, 3, 3", "100, 50, 70, 85, 95", "1000, 500, 700, 850, 950",
			"7, 4, 5, 6, 7" })
	void limitsShouldFollowTheRatioRule(int max, int background, int low, int normal, int high) {
		BackpressureController controller = controller(max);
		assertThat(controller.limit(Priority.BACKGROUND)).isEqualTo(background);
		assertThat(controller.limit(Priority.LOW)).isEqualTo(low);
		assertThat(controller.limit(Priority.NORMAL)).isEqualTo(normal);
		assertThat(controller.limit(Priority.HIGH)).isEqualTo(high);
		for (Priority priority : List.of(Priority.BACKGROUND, Priority.LOW, Priority.NORMAL, Priority.HIGH)) {
			int limit = controller.limit(priority);
			double threshold = controller.config().shedThreshold(priority);
			// the limit is the first depth whose fill ratio reaches the threshold (or the maximum)
			assertThat((double) (limit - 1) / max).isLessThan(threshold);
			assertThat(limit == max || (double) limit / max >= threshold).isTrue();
		}
	}

	@Test
	void limitsShouldFollowTheRatioRuleWhereThresholdTimesDepthRoundsAboveAWholeNumber() {
		// 0.07 x 100 is 7.000000000000001 in doubles, and likewise for the others: their ceilings are one too many
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(100, 0.07, 0.14, 0.28, 0.56));
		assertThat(controller.limit(Priority.BACKGROUND)).isEqualTo(7);
		assertThat(controller.limit(Priority.LOW)).isEqualTo(14);
		assertThat(controller.limit(Priority.NORMAL)).isEqualTo(28);
		assertThat(controller.limit(Priority.HIGH)).isEqualTo(56);
		assertThat(admitUntilShed(controller, Priority.BACKGROUND, new ArrayList<>())).isEqualTo(7);
	}

	@Test
	void limitsShouldFollowTheRatioRuleWhereThresholdTimesDepthRoundsDownToAWholeNumber() {
		// the threshold just above 3/7 times 7 is 3.0 in doubles, yet 3 / 7 is below the threshold: the limit is 4
		double threshold = Math.nextUp(3.0 / 7);
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(7, threshold, threshold, threshold, threshold));
		assertThat(threshold * 7).isEqualTo(3.0);
		assertThat(controller.limit(Priority.BACKGROUND)).isEqualTo(4);
		assertThat(admitUntilShed(controller, Priority.HIGH, new ArrayList<>())).isEqualTo(4);
	}

	@Test
	void admittingWithoutAPriorityShouldSaySoAndAdmitNothing() {
		BackpressureController controller = controller(10);
		assertThatNullPointerException().isThrownBy(() -> controller.admit(null))
			.withMessage("priority must not be null");
		assertThat(controller.depth()).isZero();
	}

	@Test
	void workBelowItsThresholdShouldBeAdmitted() {
		BackpressureController controller = controller(10);
		for (int i = 0; i < 4; i++) {
			controller.admit(Priority.HIGH);
		}
		assertThat(controller.admit(Priority.BACKGROUND)).isNotNull();
		assertThat(controller.depth()).isEqualTo(5);
	}

	@Test
	void depthShouldCountAdmittedWorkUntilItIsClosed() {
		BackpressureController controller = controller(10);
		Admission first = controller.admit(Priority.NORMAL);
		Admission second = controller.admit(Priority.LOW);
		assertThat(controller.depth()).isEqualTo(2);
		first.close();
		assertThat(controller.depth()).isEqualTo(1);
		second.close();
		assertThat(controller.depth()).isZero();
	}

	@Test
	void closingTwiceShouldReleaseOnce() {
		BackpressureController controller = controller(10);
		Admission kept = controller.admit(Priority.NORMAL);
		Admission closed = controller.admit(Priority.NORMAL);
		closed.close();
		closed.close();
		assertThat(controller.depth()).isEqualTo(1);
		kept.close();
		assertThat(controller.depth()).isZero();
	}

	@Test
	void tryWithResourcesShouldReleaseTheSlot() {
		BackpressureController controller = controller(10);
		try (Admission admission = controller.admit(Priority.LOW)) {
			assertThat(controller.depth()).isEqualTo(1);
		}
		assertThat(controller.depth()).isZero();
	}

	@Test
	void shedWorkShouldReportPriorityAndDepthAndNotBeCounted() {
		BackpressureController controller = controller(10);
		for (int i = 0; i < 5; i++) {
			controller.admit(Priority.NORMAL);
		}
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.BACKGROUND))
			.satisfies((ex) -> {
				assertThat(ex.priority()).isEqualTo(Priority.BACKGROUND);
				assertThat(ex.depth()).isEqualTo(5);
			});
		assertThat(controller.depth()).isEqualTo(5);
	}

	@Test
	void lowerPrioritiesShouldBeShedFirst() {
		BackpressureController controller = controller(10);
		for (int i = 0; i < 7; i++) {
			controller.admit(Priority.HIGH);
		}
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.BACKGROUND));
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.LOW));
		controller.admit(Priority.NORMAL);
		controller.admit(Priority.NORMAL);
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.NORMAL));
		controller.admit(Priority.HIGH);
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.HIGH));
		assertThat(controller.depth()).isEqualTo(10);
	}

	@Test
	void criticalWorkShouldNeverBeShed() {
		BackpressureController controller = controller(3);
		for (int i = 0; i < 3; i++) {
			controller.admit(Priority.HIGH);
		}
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.HIGH));
		for (int i = 0; i < 50; i++) {
			controller.admit(Priority.CRITICAL);
		}
		assertThat(controller.depth()).isEqualTo(53);
	}

	@Test
	void releasedSlotShouldAdmitAgain() {
		BackpressureController controller = controller(1);
		Admission admission = controller.admit(Priority.HIGH);
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.HIGH));
		admission.close();
		assertThat(controller.admit(Priority.HIGH)).isNotNull();
	}

	@Test
	void listenerShouldBeToldOfAdmissionsAndSheds() {
		Map<Priority, Integer> admitted = new EnumMap<>(Priority.class);
		Map<Priority, Integer> shed = new EnumMap<>(Priority.class);
		BackpressureController controller = new BackpressureController(new BackpressureConfig(2, 0.5, 0.5, 1, 1),
				new BackpressureListener() {

					@Override
					public void onAdmitted(Priority priority) {
						admitted.merge(priority, 1, Integer::sum);
					}

					@Override
					public void onShed(Priority priority, int depth) {
						shed.merge(priority, 1, Integer::sum);
					}

				});
		controller.admit(Priority.LOW);
		controller.admit(Priority.HIGH);
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.LOW));
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.HIGH));
		assertThat(admitted).containsOnly(Map.entry(Priority.LOW, 1), Map.entry(Priority.HIGH, 1));
		assertThat(shed).containsOnly(Map.entry(Priority.LOW, 1), Map.entry(Priority.HIGH, 1));
	}

	@Test
	void failingListenerShouldNeitherLeakSlotsNorChangeTheAnswers() {
		BackpressureController controller = new BackpressureController(new BackpressureConfig(10, 0.5, 0.7, 0.85, 0.95),
				new BackpressureListener() {

					@Override
					public void onAdmitted(Priority priority) {
						throw new IllegalStateException("metrics backend down");
					}

					@Override
					public void onShed(Priority priority, int depth) {
						throw new IllegalStateException("metrics backend down");
					}

				});
		for (int i = 0; i < 20; i++) {
			try (Admission admission = controller.admit(Priority.LOW)) {
				assertThat(controller.depth()).isEqualTo(1);
			}
		}
		assertThat(controller.depth()).isZero();
		for (int i = 0; i < 7; i++) {
			controller.admit(Priority.LOW);
		}
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.LOW));
	}

	@Test
	void listenerCheckedExceptionShouldBeSwallowedWithoutLeakingTheSlot() {
		BackpressureController controller = new BackpressureController(new BackpressureConfig(10, 0.5, 0.7, 0.85, 0.95),
				new BackpressureListener() {

					@Override
					public void onAdmitted(Priority priority) {
						throw sneaky(new IOException("metrics backend down")); // as a Kotlin listener may
					}

					@Override
					public void onShed(Priority priority, int depth) {
						throw sneaky(new IOException("metrics backend down"));
					}

				});
		List<Admission> admissions = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			admissions.add(controller.admit(Priority.NORMAL));
		}
		assertThat(controller.depth()).isEqualTo(3);
		admissions.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
		for (int i = 0; i < 5; i++) {
			admissions.add(controller.admit(Priority.CRITICAL));
		}
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.BACKGROUND));
	}

	@Test
	void interruptSneakedOutOfAListenerShouldBeKept() {
		BackpressureController controller = new BackpressureController(new BackpressureConfig(10, 0.5, 0.7, 0.85, 0.95),
				new BackpressureListener() {

					@Override
					public void onAdmitted(Priority priority) {
						throw sneaky(new InterruptedException()); // a Kotlin listener blocking on an interrupted thread
					}

				});
		try {
			controller.admit(Priority.NORMAL).close();
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
		}
		finally {
			Thread.interrupted();
		}
	}

	@SuppressWarnings("unchecked")
	@Test
	void interruptSneakedOutOfOnShedShouldBeKept() {
		BackpressureController controller = new BackpressureController(new BackpressureConfig(1, 0.5, 0.7, 0.85, 0.95),
				new BackpressureListener() {
					@Override
					public void onShed(Priority priority, int depth) {
						throw sneaky(new InterruptedException("shed"));
					}
				});
		try (Admission held = controller.admit(Priority.CRITICAL)) {
			assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.NORMAL));
			assertThat(Thread.interrupted()).as("interrupt status after the shed").isTrue();
		}
	}

	private static <E extends Throwable> RuntimeException sneaky(Throwable thrown) throws E {
		throw (E) thrown;
	}

	@Test
	void listenerErrorShouldReachTheCallerWithoutLeakingTheSlot() {
		BackpressureController controller = new BackpressureController(new BackpressureConfig(10, 0.5, 0.7, 0.85, 0.95),
				new BackpressureListener() {

					@Override
					public void onAdmitted(Priority priority) {
						throw new AssertionError("listener bug");
					}

					@Override
					public void onShed(Priority priority, int depth) {
					}

				});
		for (Priority priority : Priority.values()) {
			for (int i = 0; i < 20; i++) {
				assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> controller.admit(priority))
					.withMessage("listener bug");
			}
		}
		assertThat(controller.depth()).isZero();
	}

	@Test
	void stopAcceptingShouldShedAllButCriticalWorkUntilResumed() {
		BackpressureController controller = controller(10);
		controller.stopAccepting();
		assertThat(controller.isAccepting()).isFalse();
		assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.HIGH))
			.withMessage("HIGH work refused at queue depth 0: shutting down, only CRITICAL work is admitted")
			.matches(LoadShedException::shuttingDown);
		controller.admit(Priority.CRITICAL).close();
		controller.resumeAccepting();
		assertThat(controller.isAccepting()).isTrue();
		controller.admit(Priority.BACKGROUND).close();
		assertThat(controller.depth()).isZero();
	}

	@Test
	void workShedForAFullQueueShouldNotSayTheApplicationIsShuttingDown() {
		BackpressureController controller = controller(2);
		try (Admission held = controller.admit(Priority.HIGH)) {
			assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> controller.admit(Priority.BACKGROUND))
				.withMessage("BACKGROUND work shed at queue depth 1")
				.matches((ex) -> !ex.shuttingDown());
		}
	}

	@Test
	void awaitDrainedShouldReturnWhenTheLastAdmissionIsClosed() throws Exception {
		BackpressureController controller = controller(10);
		Admission first = controller.admit(Priority.NORMAL);
		Admission second = controller.admit(Priority.NORMAL);
		CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
			try {
				return controller.awaitDrained(Duration.ofSeconds(30));
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		first.close();
		assertThat(drained).isNotDone();
		second.close();
		assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void awaitDrainedShouldGiveUpAfterTheTimeout() throws Exception {
		BackpressureController controller = controller(10);
		controller.admit(Priority.NORMAL);
		long start = System.nanoTime();
		assertThat(controller.awaitDrained(Duration.ofMillis(50))).isFalse();
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
		assertThat(controller.depth()).isEqualTo(1);
	}

	@Test
	@Timeout(10)
	void awaitDrainedWithATimeoutTooLongForNanosecondsShouldWaitRatherThanGiveUp() throws Exception {
		BackpressureController controller = controller(10);
		Admission admission = controller.admit(Priority.NORMAL);
		FutureTask<Boolean> drained = new FutureTask<>(
				() -> controller.awaitDrained(Duration.ofSeconds(Long.MAX_VALUE)));
		Thread waiter = new Thread(drained, "drain-waiter");
		waiter.start();
		// until it waits, or gave up at once: a pool thread that had not started yet would prove nothing
		while (!drained.isDone() && waiter.getState() != Thread.State.WAITING
				&& waiter.getState() != Thread.State.TIMED_WAITING) {
			Thread.onSpinWait();
		}
		assertThat(drained.isDone()).isFalse();
		admission.close();
		assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
	}

	@ParameterizedTest
	@CsvSource({ "-9223372036854775808, SECONDS", "-9223372036854775808, MILLIS", "-1, SECONDS" })
	@Timeout(10)
	void awaitDrainedWithANegativeTimeoutShouldOnlyCheckHoweverLongTheTimeout(long amount,
			ChronoUnit unit) throws Exception {
		BackpressureController controller = controller(10);
		Admission admission = controller.admit(Priority.NORMAL);
		FutureTask<Boolean> drained = new FutureTask<>(() -> controller.awaitDrained(Duration.of(amount, unit)));
		Thread waiter = new Thread(drained, "drain-waiter");
		waiter.start();
		try {
			assertThat(drained.get(5, TimeUnit.SECONDS)).isFalse();
		}
		finally {
			admission.close();
			waiter.join();
		}
	}

	@Test
	void awaitDrainedOnAnEmptyQueueShouldReturnAtOnce() throws Exception {
		assertThat(controller(10).awaitDrained(Duration.ZERO)).isTrue();
	}

}
