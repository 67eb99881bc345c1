package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.provider.Provider;

/** A provider whose own chat answers at once: the tests guard the other methods of its subclasses. */
abstract class AnsweringProvider implements Provider {

	@Override
	public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
		return "ok";
	}

}
