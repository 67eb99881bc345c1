package io.zeroclaw.resilience.sample.chat;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The simulated model failed. Answered 502 Bad Gateway as an RFC 9457 problem: the failure is upstream's, and it is
 * what the circuit breaker counts.
 */
public class UpstreamFailureException extends ErrorResponseException {

	/**
	 * @param message what went wrong
	 */
	public UpstreamFailureException(String message) {
		super(HttpStatus.BAD_GATEWAY, ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY, message), null);
	}

}
