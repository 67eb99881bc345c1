package io.zeroclaw.resilience.autoconfigure.web;

import java.time.Duration;

import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * An application with the common catch-all {@code @ExceptionHandler(Exception.class)}: a refusal by a protection is
 * still answered 503 with Retry-After and a problem, while the application's handler keeps every other exception.
 */
@SpringBootTest(properties = "zeroclaw.resilience.circuit-breaker.enabled=true")
@AutoConfigureMockMvc
class ResilienceExceptionHandlerPrecedenceTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void refusalShouldBeA503EvenWithAnApplicationCatchAllHandler() throws Exception {
		this.mvc.perform(get("/refused"))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "3"))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
	}

	@Test
	void otherExceptionsShouldStillGoToTheApplicationsHandler() throws Exception {
		this.mvc.perform(get("/broken"))
			.andExpect(status().isInternalServerError())
			.andExpect(content().string("application caught IllegalStateException"));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ Endpoints.class, CatchAll.class })
	static class Application {

	}

	@RestController
	static class Endpoints {

		@GetMapping("/refused")
		String refused() {
			throw new CircuitOpenException("llm", Duration.ofMillis(2500));
		}

		@GetMapping("/broken")
		String broken() {
			throw new IllegalStateException("a bug");
		}

	}

	@RestControllerAdvice
	static class CatchAll {

		@ExceptionHandler(Exception.class)
		ResponseEntity<String> any(Exception ex) {
			return ResponseEntity.internalServerError().body("application caught " + ex.getClass().getSimpleName());
		}

	}

}
