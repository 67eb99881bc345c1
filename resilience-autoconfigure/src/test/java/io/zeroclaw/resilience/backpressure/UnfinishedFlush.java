package io.zeroclaw.resilience.backpressure;

import java.lang.reflect.Field;
import java.util.List;

/**
 * Simulates another thread's flush stopped half-way, for tests of what waits for it: raises the controller's count
 * of flushes started above its count of flushes ended.
 */
final class UnfinishedFlush {

	private UnfinishedFlush() {
	}

	/**
	 * @param held receives the critical admissions that hold the queue at BACKGROUND's limit, for the caller to close
	 * @return a controller of 4 pools (default thresholds, depth 1 000) at BACKGROUND's limit, with a flush under way
	 */
	static BackpressureController atBackgroundLimit(List<Admission> held) throws ReflectiveOperationException {
		BackpressureController controller = new BackpressureController(
				new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95), null, 4);
		for (int i = 0; i < controller.limit(Priority.BACKGROUND); i++) {
			held.add(controller.admit(Priority.CRITICAL));
		}
		start(controller);
		return controller;
	}

	private static void start(BackpressureController controller) throws ReflectiveOperationException {
		Field sharedField = BackpressureController.class.getDeclaredField("shared");
		sharedField.setAccessible(true);
		Object shared = sharedField.get(controller);
		Field started = BackpressureController.SharedCountValue.class.getDeclaredField("flushesStarted");
		started.setAccessible(true);
		started.setInt(shared, started.getInt(shared) + 1);
	}

}
