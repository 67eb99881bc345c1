package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;

/** Every public method of this type is admitted at BACKGROUND priority. */
@Prioritized(Priority.BACKGROUND)
public class PrioritizedType {

	public int depthDuringCall(BackpressureController controller) {
		return controller.depth();
	}

	@Override
	public String toString() {
		return "PrioritizedType";
	}

}
