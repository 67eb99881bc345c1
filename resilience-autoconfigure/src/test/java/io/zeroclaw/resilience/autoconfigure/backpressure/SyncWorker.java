package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;

import org.springframework.beans.factory.ObjectProvider;

/** A synchronous {@code @Prioritized} bean that reports the depth seen inside its call. */
public class SyncWorker {

	private final ObjectProvider<BackpressureController> controller;

	SyncWorker(ObjectProvider<BackpressureController> controller) {
		this.controller = controller;
	}

	@Prioritized
	public int depthDuringCall() {
		return this.controller.getObject().depth();
	}

}
