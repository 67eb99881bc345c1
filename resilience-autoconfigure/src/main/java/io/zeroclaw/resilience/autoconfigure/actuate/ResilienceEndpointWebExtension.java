package io.zeroclaw.resilience.autoconfigure.actuate;

import java.util.Locale;

import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.BreakerDescriptor;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;

import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * Lets an operator force a breaker: {@code POST /actuator/resilience/{breakerName}} with {@code {"state":"OPEN"}}
 * or {@code {"state":"CLOSED"}}. An unknown breaker is 404, an unknown state 400; the answer is the breaker as it is
 * now.
 */
@EndpointWebExtension(endpoint = ResilienceEndpoint.class)
public class ResilienceEndpointWebExtension {

	private final ResilienceEndpoint delegate;

	public ResilienceEndpointWebExtension(ResilienceEndpoint delegate) {
		this.delegate = delegate;
	}

	@WriteOperation
	public WebEndpointResponse<Object> forceState(@Selector String breakerName, String state) {
		CircuitBreaker breaker = this.delegate.findBreaker(breakerName).orElse(null);
		if (breaker == null) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		switch ((state != null) ? state.trim().toUpperCase(Locale.ROOT) : "") {
			case "OPEN" -> breaker.transitionToOpen();
			case "CLOSED" -> breaker.transitionToClosed();
			default -> {
				return new WebEndpointResponse<>(
						java.util.Map.of("error", "state must be OPEN or CLOSED", "state", String.valueOf(state)),
						WebEndpointResponse.STATUS_BAD_REQUEST);
			}
		}
		return new WebEndpointResponse<>(BreakerDescriptor.of(breaker), WebEndpointResponse.STATUS_OK);
	}

}
