package io.zeroclaw.resilience.webflux;

import java.time.Duration;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A {@code @WebFluxTest} of a controller whose upstream is refused (its breaker open, or load shed) answers as the
 * application does, 503 with {@code Retry-After} and a problem body, as a {@code @WebMvcTest} slice does.
 */
@WebFluxTest(properties = { "zeroclaw.resilience.circuit-breaker.enabled=true",
		"zeroclaw.resilience.backpressure.enabled=true" })
class ResilienceWebFluxSliceTests {

	@Autowired
	private WebTestClient client;

	@Test
	void openBreakerEscapingAControllerShouldBe503InTheSliceAsInTheApplication() {
		expectRefusal("open", "30");
	}

	@Test
	void loadShedEscapingAControllerShouldBe503InTheSliceAsInTheApplication() {
		expectRefusal("shed", "1");
	}

	private void expectRefusal(String refusal, String retryAfter) {
		this.client.post()
			.uri((uri) -> uri.path("/ask").queryParam("refusal", refusal).build())
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals("Retry-After", retryAfter)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(503);
	}

	@RestController
	static class AskController {

		private final Provider provider;

		AskController(Provider provider) {
			this.provider = provider;
		}

		@PostMapping("/ask")
		Mono<String> ask(@RequestParam String refusal) {
			return Mono.fromCallable(() -> this.provider.chatWithSystem(null, refusal, "m", 0.0));
		}

	}

	@SpringBootConfiguration
	@Import(AskController.class)
	static class Config {

		/** Stands in for a test double of the application's provider, refusing as the starter's protections do. */
		@Bean
		Provider refusingProvider() {
			return (system, message, model, temperature) -> {
				if (message.equals("open")) {
					throw new CircuitOpenException("refusingProvider", Duration.ofSeconds(30));
				}
				throw new LoadShedException(Priority.LOW, 7);
			};
		}

	}

}
