package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mark of admitted work on a thread: set for the work, kept through nested work, and cleared when the outermost
 * work ends, though the thread's entry stays for the next piece, so that a pooled thread's later calls outside any
 * work are not taken for part of it.
 */
class AdmittedWorkTests {

	@Test
	void markShouldLastFromTheOutermostEnterToItsExit() {
		assertThat(AdmittedWork.isHeld()).isFalse();
		boolean outer = AdmittedWork.enter();
		assertThat(outer).isFalse();
		assertThat(AdmittedWork.isHeld()).isTrue();
		boolean inner = AdmittedWork.enter();
		assertThat(inner).isTrue();
		AdmittedWork.exit(inner);
		assertThat(AdmittedWork.isHeld()).as("after the nested work, inside the outer").isTrue();
		AdmittedWork.exit(outer);
		assertThat(AdmittedWork.isHeld()).isFalse();
	}

	@Test
	void pooledThreadShouldNotBeMarkedBetweenPiecesOfWork() throws Exception {
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			for (int i = 0; i < 3; i++) {
				boolean heldInside = pool.submit(() -> {
					boolean held = AdmittedWork.enter();
					try {
						return AdmittedWork.isHeld();
					}
					finally {
						AdmittedWork.exit(held);
					}
				}).get();
				assertThat(heldInside).isTrue();
				assertThat(pool.submit(AdmittedWork::isHeld).get()).as("the same thread, between pieces").isFalse();
			}
			assertThat(CompletableFuture.supplyAsync(AdmittedWork::isHeld).get()).isFalse();
		}
		finally {
			pool.shutdownNow();
		}
	}

}
