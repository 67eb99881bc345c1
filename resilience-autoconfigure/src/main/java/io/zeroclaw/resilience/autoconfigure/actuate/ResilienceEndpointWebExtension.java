package io.zeroclaw.resilience.autoconfigure.actuate;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.BreakerDescriptor;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;
import org.springframework.util.MimeType;

/**
 * Lets an operator force a breaker: {@code POST /actuator/resilience/{breakerName}} with {@code {"state":"OPEN"}}
 * or {@code {"state":"CLOSED"}}. An unknown breaker is 404, an unknown state 400; the answer is the breaker as it is
 * now.
 */
@EndpointWebExtension(endpoint = ResilienceEndpoint.class)
public class ResilienceEndpointWebExtension {

	private static final Logger logger = LoggerFactory.getLogger(ResilienceEndpointWebExtension.class);

	private static final MimeType PROBLEM_JSON = MimeType.valueOf("application/problem+json");

	private final ResilienceEndpoint delegate;

	public ResilienceEndpointWebExtension(ResilienceEndpoint delegate) {
		this.delegate = delegate;
	}

	@WriteOperation
	public WebEndpointResponse<Object> forceState(@Selector String breakerName, String state) {
		CircuitBreaker breaker = this.delegate.findBreaker(breakerName).orElse(null);
		if (breaker == null) {
			return problem(WebEndpointResponse.STATUS_NOT_FOUND, "Not Found",
					"There is no circuit breaker named '" + breakerName + "'.");
		}
		String target = (state != null) ? state.trim().toUpperCase(Locale.ROOT) : "";
		switch (target) {
			case "OPEN", "CLOSED" -> {
				// said before the transition, so that the breaker's own log line that follows reads as its effect
				logger.info("Circuit breaker '{}' is being forced {} through the resilience endpoint", breakerName,
						target);
				if (target.equals("OPEN")) {
					breaker.transitionToOpen();
				}
				else {
					breaker.transitionToClosed();
				}
			}
			default -> {
				return problem(WebEndpointResponse.STATUS_BAD_REQUEST, "Bad Request",
						"The state must be OPEN or CLOSED, not '" + state + "'.");
			}
		}
		return new WebEndpointResponse<>(BreakerDescriptor.of(breaker), WebEndpointResponse.STATUS_OK);
	}

	/** An RFC 9457 problem body, as every refusal of this starter answers. */
	private static WebEndpointResponse<Object> problem(int status, String title, String detail) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", "about:blank");
		body.put("title", title);
		body.put("status", status);
		body.put("detail", detail);
		return new WebEndpointResponse<>(body, status, PROBLEM_JSON);
	}

}
