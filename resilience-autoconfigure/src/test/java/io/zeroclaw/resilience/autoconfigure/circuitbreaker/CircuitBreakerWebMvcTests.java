package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A Spring MVC handler calling a wrapped provider: its failures come through as they are until the breaker opens,
 * then every request is answered 503 with Retry-After and a problem body, without calling the provider.
 */
@SpringBootTest(properties = { "zeroclaw.resilience.circuit-breaker.enabled=true",
		"zeroclaw.resilience.circuit-breaker.instances.upstreamProvider.failure-threshold=2",
		"zeroclaw.resilience.circuit-breaker.instances.upstreamProvider.recovery-timeout=90s" })
@AutoConfigureMockMvc
class CircuitBreakerWebMvcTests {

	private static final AtomicLong clock = new AtomicLong();

	@Autowired
	private MockMvc mvc;

	@Autowired
	private CountingProvider provider;

	@Autowired
	private CircuitBreakerRegistry breakers;

	@Test
	void openBreakerShouldAnswer503WithRetryAfterAndProblemBody() throws Exception {
		String body = "{\"message\":\"hi\"}";
		this.mvc.perform(post("/ask").contentType(MediaType.APPLICATION_JSON).content(body))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.reply").value("echo hi"));
		this.provider.setFailing(true);
		for (int i = 0; i < 2; i++) {
			this.mvc.perform(post("/ask").contentType(MediaType.APPLICATION_JSON).content(body))
				.andExpect(status().isBadGateway());
		}
		int calls = this.provider.getCalls();
		clock.addAndGet(Duration.ofSeconds(30).toNanos());
		this.mvc.perform(post("/ask").contentType(MediaType.APPLICATION_JSON).content(body))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "60"))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.status").value(503))
			.andExpect(jsonPath("$.type").value("tag:zeroclaw.io,2026:resilience/circuit-open"))
			.andExpect(jsonPath("$.title").value("Upstream unavailable"))
			.andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("upstreamProvider")));
		org.assertj.core.api.Assertions.assertThat(this.provider.getCalls()).isEqualTo(calls);
		// the recovery timeout passes and another request takes the only probe: this one is told so
		clock.addAndGet(Duration.ofSeconds(60).toNanos());
		try (CircuitBreaker.Permission probe = this.breakers.find("upstreamProvider").orElseThrow()
			.acquirePermission()) {
			this.mvc.perform(post("/ask").contentType(MediaType.APPLICATION_JSON).content(body))
				.andExpect(status().isServiceUnavailable())
				.andExpect(header().string("Retry-After", "1"))
				.andExpect(jsonPath("$.title").value("Upstream unavailable"))
				.andExpect(jsonPath("$.detail").value("The upstream 'upstreamProvider' is being probed after failing; "
						+ "its circuit breaker lets no more calls through until the probes answer."));
		}
		org.assertj.core.api.Assertions.assertThat(this.provider.getCalls()).isEqualTo(calls);
	}

	static class CountingProvider implements Provider {

		private volatile boolean failing;

		private volatile int calls;

		public void setFailing(boolean failing) {
			this.failing = failing;
		}

		public int getCalls() {
			return this.calls;
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.calls++;
			if (this.failing) {
				throw new UpstreamException();
			}
			return "echo " + message;
		}

	}

	@org.springframework.web.bind.annotation.ResponseStatus(org.springframework.http.HttpStatus.BAD_GATEWAY)
	static class UpstreamException extends RuntimeException {

	}

	@RestController
	static class AskController {

		private final Provider provider;

		AskController(Provider provider) {
			this.provider = provider;
		}

		@PostMapping("/ask")
		Map<String, String> ask(@RequestBody Map<String, String> request) {
			return Map.of("reply", this.provider.simpleChat(request.get("message"), "demo", 0.0));
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class AskApplication {

		@Bean
		CountingProvider upstreamProvider() {
			return new CountingProvider();
		}

		@Bean
		AskController askController(Provider provider) {
			return new AskController(provider);
		}

		@Bean
		CircuitBreakerFactory circuitBreakerFactory(ResilienceProperties properties) {
			return new PropertiesCircuitBreakerFactory(properties.getCircuitBreaker(), getClass().getClassLoader(),
					clock::get);
		}

	}

}
