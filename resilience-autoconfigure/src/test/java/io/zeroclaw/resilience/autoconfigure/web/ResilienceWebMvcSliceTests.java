package io.zeroclaw.resilience.autoconfigure.web;

import java.time.Duration;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A {@code @WebMvcTest} of a controller whose upstream is refused (its breaker open, or load shed) answers as the
 * application does, 503 with {@code Retry-After} and a problem body: the mapping of refusals is web-layer
 * infrastructure and joins the slice, where the rate-limit filter does not.
 */
@WebMvcTest(properties = { "zeroclaw.resilience.circuit-breaker.enabled=true",
		"zeroclaw.resilience.backpressure.enabled=true" })
class ResilienceWebMvcSliceTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void openBreakerEscapingAControllerShouldBe503InTheSliceAsInTheApplication() throws Exception {
		this.mvc.perform(post("/ask").param("refusal", "open"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "30"))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
	}

	@Test
	void loadShedEscapingAControllerShouldBe503InTheSliceAsInTheApplication() throws Exception {
		this.mvc.perform(post("/ask").param("refusal", "shed"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
	}

	@RestController
	static class AskController {

		private final Provider provider;

		AskController(Provider provider) {
			this.provider = provider;
		}

		@PostMapping("/ask")
		String ask(@RequestParam String refusal) {
			return this.provider.chatWithSystem(null, refusal, "m", 0.0);
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
