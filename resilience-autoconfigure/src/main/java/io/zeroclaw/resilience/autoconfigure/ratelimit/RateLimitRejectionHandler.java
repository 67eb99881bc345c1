package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.ProblemDetail;

/**
 * Writes the body of a response to a request the rate-limit filter refuses, in place of its RFC 9457
 * {@code application/problem+json} body. Define one bean of this type to answer in an API's own error format, or to
 * add a problem {@code type} or properties of your own.
 * <p>
 * Before calling it, the filter has set the status ({@code 429}, or {@code 503} when a shared store is down and
 * {@code on-failure} is {@code deny}), {@code Retry-After}, and for a {@code 429} the {@code RateLimit} and
 * {@code RateLimit-Policy} headers; the handler writes the body, and may add headers, change the status, or hand the
 * refusal to the error page with {@code sendError} (which takes effect once the handler returns). If it throws an
 * exception before the response is committed, the filter drops what it wrote and set, puts back the headers the
 * response had before it, and sends its own problem body instead, so that a refusal does not become a server error.
 * An {@link Error} (a failed assertion, a stack overflow) is not caught: it fails the request, as it would elsewhere.
 * The handler runs on refused requests only, in the filter, before any controller or exception handler.
 */
@FunctionalInterface
public interface RateLimitRejectionHandler {

	/**
	 * Writes the response to a refused request.
	 * @param request the refused request
	 * @param response its response, with status and headers set, and no body yet
	 * @param policyName the policy that refused it, {@code "default"} for the default policy
	 * @param problem what the filter would send: status, title, detail and instance
	 * @throws IOException when writing the response fails
	 */
	void handle(HttpServletRequest request, HttpServletResponse response, String policyName, ProblemDetail problem)
			throws IOException;

}
