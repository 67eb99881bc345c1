package io.zeroclaw.resilience.backpressure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An admission at its limit that waits for another thread's flush to end (the flush is simulated by its start count,
 * one ahead of its end count) gets in if a slot is freed while it waits, rather than being shed while the flush may
 * hold slots that are in neither a pool nor the shared count; but not if {@code stopAccepting()} came before that slot,
 * since a drain may already have seen the queue empty.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackpressureControllerWaitingAdmissionTests {

	private static final int ROUNDS = 1_000;

	@Test
	void anAdmissionAtItsLimitShouldWaitOutAnOverlappingFlushAndTakeASlotFreedMeanwhile() throws Exception {
		// the slot comes up to 20 µs after the admission asks: well inside the wait, though not at once
		int admitted = race(false);
		assertThat(admitted).as("admissions of %d that got the slot freed while they waited", ROUNDS)
			.isGreaterThan(ROUNDS / 4);
	}

	@Test
	void anAdmissionWaitingOutAFlushShouldBeRefusedWhenStopAcceptingCameBeforeTheSlotItGot() throws Exception {
		assertThat(race(true)).as("admissions granted after stopAccepting()").isZero();
	}

	/**
	 * Holds the queue at BACKGROUND's limit with a flush under way, then, {@value #ROUNDS} times, asks for BACKGROUND
	 * work while another thread frees a slot (stopping admissions first, if asked to) a moment later.
	 * @return how many of the asks were admitted
	 */
	private static int race(boolean stopAcceptingFirst) throws Exception {
		List<Admission> held = new ArrayList<>();
		BackpressureController controller = UnfinishedFlush.atBackgroundLimit(held);
		AtomicInteger go = new AtomicInteger();
		AtomicInteger done = new AtomicInteger();
		AtomicReference<Admission> toClose = new AtomicReference<>();
		Thread other = new Thread(() -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			for (int round = 1; round <= ROUNDS; round++) {
				while (go.get() != round) {
					Thread.onSpinWait();
				}
				long until = System.nanoTime() + random.nextInt(20_000);
				while (System.nanoTime() - until < 0) {
					Thread.onSpinWait();
				}
				if (stopAcceptingFirst) {
					controller.stopAccepting();
				}
				toClose.get().close();
				done.set(round);
			}
		}, "slot-freer");
		other.setDaemon(true);
		other.start();
		int admitted = 0;
		for (int round = 1; round <= ROUNDS; round++) {
			toClose.set(held.remove(held.size() - 1));
			go.set(round);
			Admission admission = null;
			try {
				admission = controller.admit(Priority.BACKGROUND);
			}
			catch (LoadShedException ex) {
				// the slot came too late, or stopAccepting() too early
			}
			while (done.get() != round) {
				Thread.onSpinWait();
			}
			if (admission != null) {
				admitted++;
				admission.close();
			}
			controller.resumeAccepting();
			held.add(controller.admit(Priority.CRITICAL));
		}
		other.join(TimeUnit.SECONDS.toMillis(10));
		held.forEach(Admission::close);
		assertThat(controller.depth()).isZero();
		return admitted;
	}

}
