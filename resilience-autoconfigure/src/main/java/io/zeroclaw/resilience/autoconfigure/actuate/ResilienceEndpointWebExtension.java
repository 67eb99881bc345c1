package io.zeroclaw.resilience.autoconfigure.actuate;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.BreakerDescriptor;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;
import org.springframework.util.ClassUtils;
import org.springframework.util.MimeType;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The endpoint over HTTP: lets an operator force a breaker, {@code POST /actuator/resilience/{breakerName}} with
 * {@code {"state":"OPEN"}} or {@code {"state":"CLOSED"}}, and answers a mistake with an RFC 9457 problem body that
 * says what was wrong, like every other refusal of this starter: an unknown breaker (on {@code GET} as on
 * {@code POST}) is 404, a missing or unknown state 400. The answer to a forced state is the breaker as it is now.
 */
@EndpointWebExtension(endpoint = ResilienceEndpoint.class)
public class ResilienceEndpointWebExtension {

	private static final boolean SERVLET_REQUESTS = ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest",
			ResilienceEndpointWebExtension.class.getClassLoader())
			&& ClassUtils.isPresent("org.springframework.web.context.request.ServletRequestAttributes",
					ResilienceEndpointWebExtension.class.getClassLoader());

	private static final MimeType PROBLEM_JSON = MimeType.valueOf("application/problem+json");

	private final ResilienceEndpoint delegate;

	public ResilienceEndpointWebExtension(ResilienceEndpoint delegate) {
		this.delegate = delegate;
	}

	@ReadOperation
	public WebEndpointResponse<Object> breaker(@Selector String breakerName) {
		CircuitBreaker breaker = this.delegate.findBreaker(breakerName).orElse(null);
		if (breaker == null) {
			return unknownBreaker(breakerName);
		}
		return new WebEndpointResponse<>(BreakerDescriptor.of(breaker), WebEndpointResponse.STATUS_OK);
	}

	/**
	 * Forces a breaker into a state.
	 * @param breakerName the breaker
	 * @param state {@code OPEN} or {@code CLOSED}, in any case; nullable so that a body without it is answered with
	 * a problem saying so, rather than Actuator's bare 400 for a missing parameter
	 * @return the breaker as it is now, or a problem
	 */
	@WriteOperation
	public WebEndpointResponse<Object> forceState(@Selector String breakerName, @Nullable String state) {
		CircuitBreaker breaker = this.delegate.findBreaker(breakerName).orElse(null);
		if (breaker == null) {
			return unknownBreaker(breakerName);
		}
		if (state == null) {
			return problem(WebEndpointResponse.STATUS_BAD_REQUEST, "Bad Request",
					"The body must name the state, as in {\"state\":\"OPEN\"} or {\"state\":\"CLOSED\"}.");
		}
		if (!ResilienceEndpoint.force(breaker, state)) {
			return problem(WebEndpointResponse.STATUS_BAD_REQUEST, "Bad Request",
					"The state must be OPEN or CLOSED, not '" + shortened(state) + "'. OPEN opens the breaker as "
							+ "failures do, so it half-opens after its recovery-timeout: no state holds a breaker "
							+ "open.");
		}
		return new WebEndpointResponse<>(BreakerDescriptor.of(breaker), WebEndpointResponse.STATUS_OK);
	}

	private static String shortened(String value) {
		return ResilienceEndpoint.shortened(value);
	}

	private static WebEndpointResponse<Object> unknownBreaker(String breakerName) {
		return problem(WebEndpointResponse.STATUS_NOT_FOUND, "Not Found",
				"There is no circuit breaker named '" + shortened(breakerName) + "'.");
	}

	/**
	 * An RFC 9457 problem body, as every refusal of this starter answers. Like Spring's own {@code ProblemDetail} it
	 * leaves out {@code type}, which then means {@code about:blank}: the status says what kind of problem it is; and
	 * like Spring MVC's, its {@code instance} is the request's path, where the endpoint answers over a servlet.
	 */
	private static WebEndpointResponse<Object> problem(int status, String title, String detail) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("title", title);
		body.put("status", status);
		body.put("detail", detail);
		String instance = SERVLET_REQUESTS ? ServletRequests.currentPath() : null;
		if (instance != null) {
			body.put("instance", instance);
		}
		return new WebEndpointResponse<>(body, status, PROBLEM_JSON);
	}

	/**
	 * The path of the request being answered, from Spring's request context (which Spring MVC and Spring Boot's
	 * request-context filter hold), in a class of its own: it names the Servlet API, which a WebFlux application may
	 * not have.
	 */
	private static final class ServletRequests {

		static @Nullable String currentPath() {
			if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes)) {
				return null;
			}
			String path = attributes.getRequest().getRequestURI();
			try {
				// what java.net.URI refuses (a container may let it through) is no URI reference to name
				return new URI(path).toString();
			}
			catch (URISyntaxException ex) {
				return null;
			}
		}

	}

}
