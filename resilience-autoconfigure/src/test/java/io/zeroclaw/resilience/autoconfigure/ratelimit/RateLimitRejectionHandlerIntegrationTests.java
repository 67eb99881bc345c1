package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's own {@link RateLimitRejectionHandler}, on a running server, through the filter chain the
 * auto-configuration registers: it writes the body of every refusal, 429 and 503 alike, after the filter has set the
 * status and headers; when it fails, the refusal still goes out whole, with the problem body and without what the
 * handler had set.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { RateLimitTestApplication.class,
				RateLimitRejectionHandlerIntegrationTests.RejectionConfiguration.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.shared.paths=/shared/**",
				"zeroclaw.resilience.rate-limit.policies.faulty.paths=/faulty/**",
				"zeroclaw.resilience.rate-limit.policies.unwritable.paths=/unwritable/**",
				"zeroclaw.resilience.rate-limit.policies.erring.paths=/erring/**",
				"zeroclaw.resilience.rate-limit.policies.error-page.paths=/error-page/**" })
@ExtendWith(OutputCaptureExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitRejectionHandlerIntegrationTests {

	private final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void refusalShouldBeWrittenByTheHandlerAfterTheFilterSetItsStatusAndHeaders() throws Exception {
		assertThat(get("/hello", "client-1").statusCode()).isEqualTo(200);
		HttpResponse<String> refused = get("/hello", "client-1");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("60");
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"default\";q=1;w=60");
		assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"default\";r=0;t=60");
		assertThat(refused.headers().firstValue("X-Seen-Status")).hasValue("429");
		assertThat(refused.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith(MediaType.APPLICATION_JSON_VALUE));
		assertThat(refused.body()).isEqualTo("{\"error\":\"rate_limited\",\"policy\":\"default\",\"status\":429,"
				+ "\"title\":\"Too Many Requests\",\"detail\":\"The rate limit of policy 'default' is exhausted for "
				+ "this client; retry after 60 seconds.\",\"instance\":\"/hello\"}");
	}

	@Test
	void unavailableStoreShouldBeWrittenByTheHandlerToo() throws Exception {
		HttpResponse<String> refused = get("/shared/data", "client-2");
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("3");
		assertThat(refused.body()).startsWith("{\"error\":\"rate_limited\",\"policy\":\"shared\",\"status\":503,");
	}

	@Test
	@Order(1) // the first handler failure of this context: the warning is throttled across policies
	void failingHandlerShouldLeaveTheRefusalToTheProblemBodyAndWarnOnce(CapturedOutput output) throws Exception {
		assertThat(get("/faulty/data", "client-3").statusCode()).isEqualTo(200);
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> refused = get("/faulty/data", "client-3");
			assertThat(refused.statusCode()).isEqualTo(429);
			assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"faulty\";r=0;t=60");
			assertThat(refused.headers().firstValue("Retry-After")).hasValue("60");
			assertThat(refused.headers().firstValue("X-Upstream")).as("set by a filter before").hasValue("kept");
			assertThat(refused.headers().firstValue("X-Handler")).as("set by the failed handler").isEmpty();
			assertThat(refused.headers().firstValue("Content-Type"))
				.hasValue(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			assertThat(refused.body()).isEqualTo("{\"title\":\"Too Many Requests\",\"status\":429,\"detail\":"
					+ "\"The rate limit of policy 'faulty' is exhausted for this client; retry after 60 seconds.\","
					+ "\"instance\":\"/faulty/data\"}");
		}
		String warning = "The RateLimitRejectionHandler failed on a refusal of policy 'faulty'";
		assertThat(output.toString().split(warning, -1)).hasSize(2);
		assertThat(output).contains("handler bug");
	}

	@Test
	void handlerFailingWithAnIOExceptionBeforeCommittingShouldStillLeaveTheProblemBody() throws Exception {
		HttpResponse<String> refused = refused("/unwritable/data", "client-4");
		assertThat(refused.body()).isEqualTo(problem("unwritable", "/unwritable/data"));
	}

	@Test
	void handlerFailingAfterSendErrorShouldStillLeaveTheProblemBody() throws Exception {
		HttpResponse<String> refused = refused("/erring/data", "client-5");
		assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"erring\";r=0;t=60");
		assertThat(refused.body()).isEqualTo(problem("erring", "/erring/data"));
	}

	@Test
	void handlerMayHandTheRefusalToTheErrorPage() throws Exception {
		HttpResponse<String> refused = refused("/error-page/data", "client-6");
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("60");
		assertThat(refused.body()).contains("\"status\":429").contains("\"path\":\"/error-page/data\"");
	}

	/** The second request of a client within the minute: over every policy's quota of one, so refused. */
	private HttpResponse<String> refused(String path, String client) throws Exception {
		assertThat(get(path, client).statusCode()).isEqualTo(200);
		HttpResponse<String> refused = get(path, client);
		assertThat(refused.statusCode()).isEqualTo(429);
		return refused;
	}

	private static String problem(String policy, String instance) {
		return "{\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"The rate limit of policy '" + policy
				+ "' is exhausted for this client; retry after 60 seconds.\",\"instance\":\"" + instance + "\"}";
	}

	private HttpResponse<String> get(String path, String client) throws Exception {
		return this.client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Client", client)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Configuration(proxyBeanMethods = false)
	static class RejectionConfiguration {

		@Bean
		RateLimitRejectionHandler jsonRejectionHandler() {
			return (request, response, policy, problem) -> {
				response.setContentType(MediaType.APPLICATION_JSON_VALUE);
				response.setHeader("X-Seen-Status", Integer.toString(response.getStatus()));
				if (policy.equals("unwritable")) {
					throw new IOException("the handler's own writing failed");
				}
				if (policy.equals("erring")) {
					response.sendError(429, "slow down");
					throw new IllegalStateException("handler bug after sendError");
				}
				if (policy.equals("error-page")) {
					response.sendError(429);
					return;
				}
				if (policy.equals("faulty")) {
					response.setContentLength(9);
					response.setHeader("X-Handler", "was here");
					response.getWriter().write("{\"half\":");
					throw new IllegalStateException("handler bug");
				}
				response.getWriter()
					.write("{\"error\":\"rate_limited\",\"policy\":\"" + policy + "\",\"status\":" + problem.getStatus()
							+ ",\"title\":\"" + problem.getTitle() + "\",\"detail\":\"" + problem.getDetail()
							+ "\",\"instance\":\"" + problem.getInstance() + "\"}");
			};
		}

		@Bean
		FilterRegistrationBean<Filter> upstreamHeaderFilter() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				((HttpServletResponse) response).setHeader("X-Upstream", "kept");
				chain.doFilter(request, response);
			});
			registration.setOrder(RateLimitFilter.BEFORE_SECURITY_ORDER - 100);
			return registration;
		}

		@Bean
		@Primary
		RateLimiterFactory sharedStoreDownRateLimiterFactory(RateLimitTestApplication.FrozenClock clock) {
			return (policy, maxKeys) -> policy.name().equals("shared") ? (key, permits) -> {
				throw new RateLimitStoreUnavailableException("store down", Duration.ofMillis(2500), null);
			} : new LocalRateLimiter(policy, maxKeys, clock);
		}

	}

}
