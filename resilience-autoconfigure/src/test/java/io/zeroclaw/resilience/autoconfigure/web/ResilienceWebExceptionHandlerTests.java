package io.zeroclaw.resilience.autoconfigure.web;

import java.time.Duration;

import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The WebFlux handler of refusals that no advice sees, called directly: an application's own answer keeps the
 * problem media type when it names none, and an exception whose causes run in a circle is handed on, not searched
 * for ever.
 */
class ResilienceWebExceptionHandlerTests {

	@Test
	void answerOfASubclassThatNamesNoMediaTypeShouldBeWrittenAsAProblem() {
		ResilienceExceptionHandler answers = new ResilienceExceptionHandler() {

			@Override
			protected ResponseEntity<ProblemDetail> circuitOpen(CircuitOpenException ex) {
				return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
					.header("Retry-After", "30")
					.body(ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, "Try the other region."));
			}

		};
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/fn/open"));
		new ResilienceWebExceptionHandler(answers, ServerCodecConfigurer.create())
			.handle(exchange, new CircuitOpenException("llm", Duration.ofSeconds(7)))
			.block(Duration.ofSeconds(10));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(exchange.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(10)))
			.contains("\"detail\":\"Try the other region.\"")
			.contains("\"instance\":\"/fn/open\"");
	}

	@Test
	void exceptionWhoseCausesRunInACircleShouldBeHandedOn() {
		IllegalStateException first = new IllegalStateException("first");
		IllegalStateException second = new IllegalStateException("second", first);
		first.initCause(second);
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/fn/broken"));
		ResilienceWebExceptionHandler handler = new ResilienceWebExceptionHandler(new ResilienceExceptionHandler(),
				ServerCodecConfigurer.create());
		Mono<Void> handled = assertTimeoutPreemptively(Duration.ofSeconds(10),
				() -> handler.handle(exchange, first));
		assertThatException().isThrownBy(() -> handled.block(Duration.ofSeconds(10))).isSameAs(first);
	}

}
