package io.zeroclaw.resilience.autoconfigure.web;

import java.net.URI;
import java.util.Map;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Answers a refusal that WebFlux's {@code @ControllerAdvice} never sees, as {@link ResilienceExceptionHandler} answers
 * the others: one thrown by a functional endpoint's handler function (WebFlux calls it outside the publisher that
 * advice is asked for), or failing the body a handler function returned. Ordered ahead of Spring Boot's error handler,
 * it answers while the response is not yet committed, and hands everything else on.
 */
final class ResilienceWebExceptionHandler implements WebExceptionHandler, Ordered {

	/**
	 * Well ahead of Spring Boot's {@code ErrorWebExceptionHandler} ({@code -1}) and of an application's own handlers
	 * placed before it (commonly {@code -2}), as the advice is ahead of the application's: it answers the refusals
	 * alone and hands everything else on.
	 */
	static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 1000;

	private static final ResolvableType PROBLEM = ResolvableType.forClass(ProblemDetail.class);

	private final ResilienceExceptionHandler answers;

	private final ServerCodecConfigurer codecs;

	ResilienceWebExceptionHandler(ResilienceExceptionHandler answers, ServerCodecConfigurer codecs) {
		this.answers = answers;
		this.codecs = codecs;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		ServerHttpResponse response = exchange.getResponse();
		ResponseEntity<ProblemDetail> answer = answer(ex);
		if (answer == null || response.isCommitted()) {
			return Mono.error(ex);
		}
		response.setStatusCode(answer.getStatusCode());
		response.getHeaders().putAll(answer.getHeaders());
		ProblemDetail body = answer.getBody();
		if (body == null) {
			return response.setComplete();
		}
		if (body.getInstance() == null) {
			// as WebFlux's own problem answers name the request's path
			try {
				body.setInstance(URI.create(exchange.getRequest().getPath().value()));
			}
			catch (IllegalArgumentException ignored) {
				// a path java.net.URI refuses: the problem names no instance
			}
		}
		MediaType type = (answer.getHeaders().getContentType() != null) ? answer.getHeaders().getContentType()
				: MediaType.APPLICATION_PROBLEM_JSON;
		for (HttpMessageWriter<?> writer : this.codecs.getWriters()) {
			if (writer.canWrite(PROBLEM, type)) {
				return write(writer, body, type, exchange);
			}
		}
		return response.setComplete();
	}

	@SuppressWarnings("unchecked")
	private static Mono<Void> write(HttpMessageWriter<?> writer, ProblemDetail body, MediaType type,
			ServerWebExchange exchange) {
		return ((HttpMessageWriter<ProblemDetail>) writer).write(Mono.just(body), PROBLEM, PROBLEM, type,
				exchange.getRequest(), exchange.getResponse(), Map.of());
	}

	/** The answer to a refusal, found in the exception or its causes, as {@code @ExceptionHandler} matching does. */
	private @Nullable ResponseEntity<ProblemDetail> answer(Throwable ex) {
		int depth = 0;
		for (Throwable cause = ex; cause != null && depth < 16; cause = cause.getCause(), depth++) {
			if (cause instanceof CircuitOpenException open) {
				return this.answers.circuitOpen(open);
			}
			if (cause instanceof LoadShedException shed) {
				return this.answers.loadShed(shed);
			}
		}
		return null;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
