package io.zeroclaw.resilience.backpressure;

import java.lang.reflect.Field;

/**
 * Simulates another thread's flush stopped half-way, for tests of what waits for it: raises the controller's count
 * of flushes started above its count of flushes ended.
 */
final class UnfinishedFlush {

	private UnfinishedFlush() {
	}

	static void start(BackpressureController controller) throws ReflectiveOperationException {
		Field sharedField = BackpressureController.class.getDeclaredField("shared");
		sharedField.setAccessible(true);
		Object shared = sharedField.get(controller);
		Field started = BackpressureController.SharedCountValue.class.getDeclaredField("flushesStarted");
		started.setAccessible(true);
		started.setInt(shared, started.getInt(shared) + 1);
	}

}
