package io.zeroclaw.resilience.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An agent service that shows each protection of the starter: a rate-limited webhook, a chat endpoint behind a
 * circuit breaker, and prioritized background agent work. It runs on the embedded defaults, with no external service.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
