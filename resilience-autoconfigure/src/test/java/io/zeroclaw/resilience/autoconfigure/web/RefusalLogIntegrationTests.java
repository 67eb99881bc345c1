package io.zeroclaw.resilience.autoconfigure.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A refusal is expected, so a burst of them, as a client retrying in a loop or a flood makes, must not become a burst
 * of log lines: on a real Tomcat, calls an open breaker refuses, calls shed and requests over their rate limit write
 * nothing at INFO or above.
 */
@SpringBootTest(classes = RefusalLogIntegrationTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.backpressure.enabled=true", "zeroclaw.resilience.backpressure.max-queue-depth=10",
				"zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.include-paths=",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/limited",
				"zeroclaw.resilience.rate-limit.policies.api.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.api.window=1h",
				"zeroclaw.resilience.rate-limit.policies.api.burst=0" })
@ExtendWith(OutputCaptureExtension.class)
class RefusalLogIntegrationTests {

	private final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private CircuitBreakerRegistry breakers;

	@Autowired
	private BackpressureController backpressure;

	@Test
	void refusalsShouldWriteNothingAtInfoOrAbove(CapturedOutput output) throws Exception {
		assertThat(get("/chat")).isEqualTo(200);
		assertThat(get("/limited")).isEqualTo(200);
		this.breakers.find("acme").orElseThrow().transitionToOpen();
		List<Admission> held = new ArrayList<>();
		List<String> during;
		try {
			// LOW work is shed from a fill of 0.7
			for (int i = 0; i < 7; i++) {
				held.add(this.backpressure.admit(Priority.HIGH));
			}
			int before = output.getAll().lines().toList().size();
			for (int i = 0; i < 100; i++) {
				assertThat(get("/chat")).as("refused by the open breaker").isEqualTo(503);
				assertThat(get("/low")).as("shed").isEqualTo(503);
				assertThat(get("/limited")).as("over its rate limit").isEqualTo(429);
			}
			List<String> lines = output.getAll().lines().toList();
			during = lines.subList(before, lines.size());
		}
		finally {
			held.forEach(Admission::close);
		}
		assertThat(during).filteredOn((line) -> line.matches("^\\S+\\s+(INFO|WARN|ERROR)\\s.*")).isEmpty();
	}

	private int get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
		return this.client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class App {

		@Bean
		Provider acme() {
			return (systemPrompt, message, model, temperature) -> "answer";
		}

		@RestController
		static class Endpoints {

			private final Provider acme;

			Endpoints(Provider acme) {
				this.acme = acme;
			}

			@GetMapping("/chat")
			String chat() {
				return this.acme.chatWithSystem("s", "m", "x", 0.0);
			}

			@GetMapping("/low")
			@Prioritized(Priority.LOW)
			public String low() {
				return "low";
			}

			@GetMapping("/limited")
			String limited() {
				return "ok";
			}

		}

	}

}
