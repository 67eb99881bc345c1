package io.zeroclaw.resilience.sample.chat;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code PUT /demo/provider?failureRate=1.0&latencyMs=0} sets how the simulated provider behaves (1.0 takes it down,
 * 0.0 heals it) and answers the settings now in force.
 */
@RestController
public class DemoProviderController {

	private final DemoProvider provider;

	public DemoProviderController(DemoProvider provider) {
		this.provider = provider;
	}

	@PutMapping("/demo/provider")
	Settings configure(@RequestParam(required = false) Double failureRate,
			@RequestParam(required = false) Long latencyMs) {
		try {
			if (failureRate != null) {
				this.provider.setFailureRate(failureRate);
			}
			if (latencyMs != null) {
				this.provider.setLatencyMs(latencyMs);
			}
		}
		catch (IllegalArgumentException ex) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, ex.getMessage());
		}
		return new Settings(this.provider.getFailureRate(), this.provider.getLatencyMs());
	}

	record Settings(double failureRate, long latencyMs) {
	}

}
