package io.zeroclaw.resilience.sample.chat;

import java.util.concurrent.ThreadLocalRandom;

import io.zeroclaw.resilience.provider.Provider;
import io.zeroclaw.resilience.provider.ProviderCapabilities;

import org.springframework.stereotype.Component;

/**
 * A simulated LLM provider: it answers after a set latency, and fails a set share of its calls, both changed at run
 * time through {@code PUT /demo/provider}. With the circuit breaker on, the starter wraps this bean in the breaker
 * {@code demoProvider}; its setters are not upstream calls, so they work while the breaker is open.
 */
@Component("demoProvider")
public class DemoProvider implements Provider {

	private volatile double failureRate;

	private volatile long latencyMs;

	@Override
	public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
		long latency = this.latencyMs;
		if (latency > 0) {
			try {
				Thread.sleep(latency);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new UpstreamFailureException("interrupted while waiting for the simulated model");
			}
		}
		if (ThreadLocalRandom.current().nextDouble() < this.failureRate) {
			throw new UpstreamFailureException("the simulated model answered 500 Internal Server Error");
		}
		return "(" + model + ") You said: " + message;
	}

	@Override
	public ProviderCapabilities capabilities() {
		return ProviderCapabilities.TEXT_ONLY;
	}

	/** @return the share of calls that fail, from 0.0 to 1.0 */
	public double getFailureRate() {
		return this.failureRate;
	}

	/**
	 * @param failureRate the share of calls to fail, from 0.0 (healthy) to 1.0 (down)
	 */
	public void setFailureRate(double failureRate) {
		if (!(failureRate >= 0.0 && failureRate <= 1.0)) {
			throw new IllegalArgumentException("failureRate must be between 0.0 and 1.0, was " + failureRate);
		}
		this.failureRate = failureRate;
	}

	/** @return the simulated latency of each call, in milliseconds */
	public long getLatencyMs() {
		return this.latencyMs;
	}

	/**
	 * @param latencyMs the simulated latency of each call, in milliseconds; zero or more
	 */
	public void setLatencyMs(long latencyMs) {
		if (latencyMs < 0 || latencyMs > 60_000) {
			throw new IllegalArgumentException("latencyMs must be between 0 and 60000, was " + latencyMs);
		}
		this.latencyMs = latencyMs;
	}

}
