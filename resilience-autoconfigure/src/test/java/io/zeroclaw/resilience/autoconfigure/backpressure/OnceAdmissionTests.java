package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OnceAdmissionTests {

	private final AtomicInteger releases = new AtomicInteger();

	private final AtomicInteger queued = new AtomicInteger();

	private final OnceAdmission admission = new OnceAdmission(this.releases::incrementAndGet, this.queued);

	@Test
	void taskThatRanShouldReleaseWhenItEnds() {
		assertThat(this.queued).hasValue(1);
		this.admission.start();
		assertThat(this.queued).hasValue(0);
		assertThat(this.releases).hasValue(0);
		this.admission.finish();
		assertThat(this.releases).hasValue(1);
		this.admission.abandon();
		assertThat(this.releases).hasValue(1);
	}

	@Test
	void taskAbandonedBeforeItStartedShouldReleaseOnceAndNotAgainIfItRunsAnyway() {
		this.admission.abandon();
		assertThat(this.releases).hasValue(1);
		assertThat(this.queued).hasValue(0);
		this.admission.start();
		this.admission.finish();
		this.admission.abandon();
		assertThat(this.releases).hasValue(1);
		assertThat(this.queued).hasValue(0);
	}

	@Test
	void taskAbandonedWhileRunningShouldReleaseOnlyWhenItEnds() {
		this.admission.start();
		this.admission.abandon();
		assertThat(this.releases).hasValue(0);
		this.admission.finish();
		assertThat(this.releases).hasValue(1);
	}

	@Test
	void workerAndCancellerRacingShouldReleaseEachAdmissionExactlyOnce() throws Exception {
		int tasks = 50_000;
		AtomicIntegerArray released = new AtomicIntegerArray(tasks);
		AtomicInteger queued = new AtomicInteger();
		OnceAdmission[] admissions = new OnceAdmission[tasks];
		for (int i = 0; i < tasks; i++) {
			int task = i;
			admissions[i] = new OnceAdmission(() -> released.incrementAndGet(task), queued);
		}
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			ConcurrentRun.together(pool, 2, Duration.ofSeconds(30), (thread) -> {
				for (OnceAdmission admission : admissions) {
					if (thread == 0) {
						admission.start();
						admission.finish();
					}
					else {
						admission.abandon();
					}
				}
			});
		}
		finally {
			pool.shutdownNow();
		}
		for (int i = 0; i < tasks; i++) {
			assertThat(released.get(i)).as("releases of task %d", i).isEqualTo(1);
		}
		assertThat(queued).as("tasks still counted as queued").hasValue(0);
	}

}
