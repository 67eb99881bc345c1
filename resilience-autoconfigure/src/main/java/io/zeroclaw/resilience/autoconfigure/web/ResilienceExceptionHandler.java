package io.zeroclaw.resilience.autoconfigure.web;

import java.net.URI;
import java.time.Duration;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns a refusal by a protection that escapes a Spring MVC or WebFlux handler into {@code 503 Service Unavailable}
 * with a {@code Retry-After} header and an RFC 9457 problem body. The server, not the client, is the reason the
 * request was refused, hence 503 rather than 429.
 * <p>
 * Ordered ahead of the application's advice: Spring MVC asks advice beans in order and takes the first with any
 * matching handler, so behind them a common catch-all {@code @ExceptionHandler(Exception.class)} would turn these
 * refusals into 500s. This advice handles nothing else, so it takes nothing from the application's handlers. A
 * controller's own catch-all, which Spring MVC asks before any advice, is passed over for these refusals too (see
 * {@code LocalCatchAllExceptionResolver}).
 * <p>
 * To answer either refusal its own way, an application defines a bean of a subclass that overrides
 * {@link #circuitOpen} or {@link #loadShed}; it replaces this one, and the method it does not override keeps this
 * answer. (An {@code @ExceptionHandler} method for the same exception in an advice of the application's is never
 * asked, since this advice comes first: override instead.)
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE + 1000)
public class ResilienceExceptionHandler {

	/**
	 * The problem {@code type} of a call refused by an open circuit breaker. Each refusal has its own type, so that a
	 * client can tell it from any other 503 (RFC 9457 keeps a title of its own for a type of its own); these are tag
	 * URIs (RFC 4151), names rather than pages to fetch.
	 */
	public static final URI CIRCUIT_OPEN_TYPE = URI.create("tag:zeroclaw.io,2026:resilience/circuit-open");

	/** The problem {@code type} of work shed by the backpressure controller. */
	public static final URI OVERLOADED_TYPE = URI.create("tag:zeroclaw.io,2026:resilience/overloaded");

	/** The problem {@code type} of work refused because the application is shutting down. */
	public static final URI SHUTTING_DOWN_TYPE = URI.create("tag:zeroclaw.io,2026:resilience/shutting-down");

	/** How long a client told its work was shed should wait: the queue drains in about that time. */
	static final Duration LOAD_SHED_RETRY_AFTER = Duration.ofSeconds(1);

	/**
	 * Answers a call refused by an open (or fully probing) circuit breaker.
	 * @param ex the refusal
	 * @return {@code 503} with {@code Retry-After} for the breaker's time left and a problem body; an override must
	 * answer too, never {@code null}
	 */
	@ExceptionHandler(CircuitOpenException.class)
	protected ResponseEntity<ProblemDetail> circuitOpen(CircuitOpenException ex) {
		return problem(CIRCUIT_OPEN_TYPE, "Upstream unavailable", "The upstream '" + ex.breakerName() + "' "
				+ (ex.probing() ? "is being probed after failing; its circuit breaker lets no more calls through "
						+ "until the probes answer." : "is failing and its circuit breaker is open."),
				ex.retryAfter());
	}

	/**
	 * Answers work shed by the backpressure controller.
	 * @param ex the refusal
	 * @return {@code 503} with {@code Retry-After: 1} and a problem body; an override must answer too, never
	 * {@code null}
	 */
	@ExceptionHandler(LoadShedException.class)
	protected ResponseEntity<ProblemDetail> loadShed(LoadShedException ex) {
		if (ex.shuttingDown()) {
			return problem(SHUTTING_DOWN_TYPE, "Shutting down",
					"The service is shutting down and no longer admits " + ex.priority() + " work.",
					LOAD_SHED_RETRY_AFTER);
		}
		return problem(OVERLOADED_TYPE, "Overloaded",
				"The service is shedding " + ex.priority() + " work at queue depth " + ex.depth() + ".",
				LOAD_SHED_RETRY_AFTER);
	}

	/**
	 * A {@code 503} with {@code Retry-After} (whole seconds, rounded up) and a problem body, as this handler answers;
	 * for a subclass that words a refusal its own way.
	 * @param type the problem's type, such as {@link #CIRCUIT_OPEN_TYPE}
	 * @param title the problem's title
	 * @param detail the problem's detail
	 * @param retryAfter how long the client should wait
	 * @return the answer
	 */
	protected static ResponseEntity<ProblemDetail> problem(URI type, String title, String detail,
			Duration retryAfter) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail);
		body.setType(type);
		body.setTitle(title);
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, Long.toString(RetryAfter.seconds(retryAfter)))
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(body);
	}

}
