package io.zeroclaw.resilience.autoconfigure.web.custom;

import java.time.Duration;

import io.zeroclaw.resilience.autoconfigure.web.ResilienceExceptionHandler;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * An application in its own package answers an open breaker its own way, as the README says: a bean of a subclass
 * that overrides one handler replaces ours, and the other refusal keeps the default answer.
 */
@SpringBootTest(properties = { "zeroclaw.resilience.circuit-breaker.enabled=true",
		"zeroclaw.resilience.backpressure.enabled=true" })
@AutoConfigureMockMvc
class CustomizedExceptionHandlerTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void overriddenHandlerShouldAnswerAnOpenBreaker() throws Exception {
		this.mvc.perform(get("/refused"))
			.andExpect(status().isBadGateway())
			.andExpect(header().doesNotExist("Retry-After"))
			.andExpect(jsonPath("$.title").value("Assistant resting"))
			.andExpect(jsonPath("$.upstream").value("llm"));
	}

	@Test
	void overriddenHandlerShouldBuildOnTheDefaultAnswerForAProbingBreaker() throws Exception {
		this.mvc.perform(get("/probing"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"))
			.andExpect(jsonPath("$.type").value("tag:zeroclaw.io,2026:resilience/circuit-open"))
			.andExpect(jsonPath("$.title").value("Assistant busy"))
			.andExpect(jsonPath("$.detail").value("llm is checking whether it is back"));
	}

	@Test
	void handlerNotOverriddenShouldKeepTheDefaultAnswer() throws Exception {
		this.mvc.perform(get("/shed"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "1"))
			.andExpect(jsonPath("$.title").value("Overloaded"));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(Endpoints.class)
	static class Application {

		@Bean
		ResilienceExceptionHandler myRefusals() {
			return new ResilienceExceptionHandler() {

				@Override
				protected ResponseEntity<ProblemDetail> circuitOpen(CircuitOpenException ex) {
					if (ex.probing()) {
						return problem(CIRCUIT_OPEN_TYPE, "Assistant busy",
								ex.breakerName() + " is checking whether it is back", ex.retryAfter());
					}
					ProblemDetail body = ProblemDetail.forStatus(HttpStatus.BAD_GATEWAY);
					body.setTitle("Assistant resting");
					body.setProperty("upstream", ex.breakerName());
					return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body(body);
				}

			};
		}

	}

	@RestController
	static class Endpoints {

		@GetMapping("/refused")
		String refused() {
			throw new CircuitOpenException("llm", Duration.ofMillis(2500));
		}

		@GetMapping("/probing")
		String probing() {
			throw new CircuitOpenException("llm", Duration.ofMillis(300), true);
		}

		@GetMapping("/shed")
		String shed() {
			throw new LoadShedException(Priority.LOW, 7);
		}

	}

}
