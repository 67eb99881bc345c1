package io.zeroclaw.resilience.webflux;

import java.time.Duration;

import io.zeroclaw.resilience.autoconfigure.web.ResilienceExceptionHandler;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's subclass of the refusal handler, on Netty, beside the application's catch-all advice. */
@SpringBootTest(classes = { FluxApplication.class, RefusalHandlerSubclassTests.Refusals.class },
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=1m" })
class RefusalHandlerSubclassTests {

	@LocalServerPort
	private int port;

	@Autowired
	private CircuitBreakerRegistry breakers;

	@BeforeEach
	void openTheBreaker() {
		this.breakers.find("flakyChatModel").orElseThrow().transitionToOpen();
	}

	@ParameterizedTest
	@CsvSource({ "/chat, */*", "/stream, text/event-stream", "/fn/chat, */*", "/fn/stream, text/event-stream",
			"/fn/stream, */*", "/fn/deferred-stream, text/event-stream", "/fn/deferred-stream, */*" })
	void theReadmesSubclassShouldAnswerEveryRefusalAsA502Problem(String path, String accept) {
		EntityExchangeResult<String> result = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.responseTimeout(Duration.ofSeconds(10))
			.build()
			.get()
			.uri(path)
			.accept(MediaType.parseMediaType(accept))
			.exchange()
			.expectBody(String.class)
			.returnResult();
		String seen = result.getStatus() + " " + result.getResponseHeaders().getContentType() + " "
				+ result.getResponseBody();
		assertThat(result.getStatus().value()).as(seen).isEqualTo(502);
		MediaType type = result.getResponseHeaders().getContentType();
		assertThat(type != null && type.isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).as(seen).isTrue();
		assertThat(result.getResponseBody()).as(seen).contains("\"status\":502");
	}

	@ParameterizedTest
	@CsvSource({ "/fn/deferred-download" })
	void aRefusalShouldNotBeServedAsTheDownloadTheHandlerFunctionMeantToServe(String path) {
		EntityExchangeResult<String> result = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.build()
			.get()
			.uri(path)
			.exchange()
			.expectBody(String.class)
			.returnResult();
		assertThat(result.getStatus().value()).isEqualTo(502);
		assertThat(result.getResponseHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION))
			.as(result.getResponseHeaders().toString())
			.isNull();
	}

	@Configuration(proxyBeanMethods = false)
	static class Refusals {

		/** Handler functions whose body fails with a refusal after they set the response's headers. */
		@Bean
		RouterFunction<ServerResponse> deferredRoutes() {
			return RouterFunctions.route()
				.GET("/fn/deferred-stream", (request) -> ServerResponse.ok()
					.contentType(MediaType.TEXT_EVENT_STREAM)
					.body(Flux.error(new CircuitOpenException("flakyChatModel", Duration.ofSeconds(5))),
							String.class))
				.GET("/fn/deferred-download", (request) -> ServerResponse.ok()
					.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=answers.csv")
					.contentType(MediaType.TEXT_PLAIN)
					.body(Flux.error(new CircuitOpenException("flakyChatModel", Duration.ofSeconds(5))),
							String.class))
				.build();
		}

		/** As the README writes it. */
		@Bean
		ResilienceExceptionHandler refusals() {
			return new ResilienceExceptionHandler() {
				@Override
				protected ResponseEntity<ProblemDetail> circuitOpen(CircuitOpenException ex) {
					return ResponseEntity.status(HttpStatus.BAD_GATEWAY)
						.contentType(MediaType.APPLICATION_PROBLEM_JSON)
						.body(ProblemDetail.forStatus(HttpStatus.BAD_GATEWAY));
				}
			};
		}

	}

}
