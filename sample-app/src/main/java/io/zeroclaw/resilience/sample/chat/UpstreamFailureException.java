package io.zeroclaw.resilience.sample.chat;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * The simulated model failed. Answered 502 Bad Gateway: the failure is upstream's, and it is what the circuit breaker
 * counts.
 */
@ResponseStatus(HttpStatus.BAD_GATEWAY)
public class UpstreamFailureException extends RuntimeException {

	/**
	 * @param message what went wrong
	 */
	public UpstreamFailureException(String message) {
		super(message);
	}

}
