package io.zeroclaw.resilience.jetty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimiterFactory;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorViewResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.ModelAndView;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A context path, servlet path and a moved error page, with errors, forwards and async answers.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = JettyContextAndServletPathTests.App.class,
		properties = { "server.servlet.context-path=/ctx", "spring.mvc.servlet.path=/mvc", "server.error.path=/oops",
				"zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=100", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.other.paths=/mvc/other/**",
				"zeroclaw.resilience.rate-limit.policies.other.requests-per-window=3" })
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JettyContextAndServletPathTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	private static final Pattern REMAINING = Pattern.compile(";r=(\\d+)");

	@LocalServerPort
	private int port;

	@ParameterizedTest
	@CsvSource({ "/ctx/mvc/throw,500", "/ctx/mvc/send-error,418", "/ctx/mvc/rse,409", "/ctx/mvc/unmapped,404",
			"/ctx/mvc/deferred,200", "/ctx/mvc/callable,200", "/ctx/mvc/forward-other,200" })
	void eachRequestShouldBeCountedOnceAndCarryItsHeaders(String path, int status) throws Exception {
		String clientId = "c" + path.replace('/', '-');
		HttpResponse<String> response = get(path, clientId, "application/json");
		assertThat(response.statusCode()).as(path + " status, body " + response.body()).isEqualTo(status);
		assertThat(response.headers().allValues("RateLimit")).as(path + " RateLimit")
			.containsExactly("\"default\";r=99;t=1");
		assertThat(remaining(get("/ctx/mvc/probe", clientId, "application/json"))).as("after " + path)
			.isEqualTo(98);
		assertThat(remaining(get("/ctx/mvc/other/probe", clientId, "application/json"))).as("other after " + path)
			.isEqualTo(2);
	}

	@Test
	void requestRefusedByAFilterAheadShouldNotBeChargedByItsErrorPage() throws Exception {
		String clientId = "blocked";
		HttpResponse<String> refused = get("/ctx/mvc/blocked", clientId, "text/html");
		assertThat(refused.statusCode()).as("body " + refused.body()).isEqualTo(403);
		assertThat(refused.body()).as("the error page, served by its forward").isEqualTo("probe");
		assertThat(refused.headers().firstValue("RateLimit")).as("RateLimit on the error page").isEmpty();
		assertThat(remaining(get("/ctx/mvc/other/probe", clientId, "application/json")))
			.as("other policy remaining after one refused request").isEqualTo(2);
	}

	@Test
	void errorPageOfARequestRefusedAheadShouldNotTurnInto429() throws Exception {
		String clientId = "blocked-many";
		for (int i = 0; i < 5; i++) {
			HttpResponse<String> refused = get("/ctx/mvc/blocked", clientId, "text/html");
			assertThat(refused.statusCode()).as("refusal " + i + ", body " + refused.body()).isEqualTo(403);
		}
	}

	private static long remaining(HttpResponse<String> response) {
		Optional<String> header = response.headers().firstValue("RateLimit");
		assertThat(header).as("RateLimit of " + response.uri() + " " + response.statusCode()).isPresent();
		Matcher matcher = REMAINING.matcher(header.get());
		assertThat(matcher.find()).isTrue();
		return Long.parseLong(matcher.group(1));
	}

	private HttpResponse<String> get(String path, String clientId, String accept) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Client", clientId)
			.header("Accept", accept)
			.timeout(Duration.ofSeconds(30))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@RestController
	static class Handlers {

		@GetMapping({ "/probe", "/other/probe", "/other/error-page" })
		String probe() {
			return "probe";
		}

		@GetMapping("/throw")
		String fail() {
			throw new IllegalStateException("boom");
		}

		@GetMapping("/send-error")
		void sendError(HttpServletResponse response) throws IOException {
			response.sendError(418, "teapot");
		}

		@GetMapping("/rse")
		String rse() {
			throw new ResponseStatusException(HttpStatus.CONFLICT, "conflict");
		}

		@GetMapping("/deferred")
		DeferredResult<String> deferred() {
			DeferredResult<String> result = new DeferredResult<>(10_000L);
			new Thread(() -> result.setResult("deferred")).start();
			return result;
		}

		@GetMapping("/callable")
		Callable<String> callable() {
			return () -> "callable";
		}

		@GetMapping("/forward-other")
		void forwardOther(HttpServletRequest request, HttpServletResponse response) throws Exception {
			request.getRequestDispatcher("/mvc/other/probe").forward(request, response);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class App {

		@Bean
		RateLimiterFactory frozenClockRateLimiterFactory() {
			return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
		}

		@Bean
		Handlers handlers() {
			return new Handlers();
		}

		/** A filter ahead of the limiter that refuses some requests with sendError, as Spring Security does. */
		@Bean
		FilterRegistrationBean<Filter> refusingFilter() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				if (((HttpServletRequest) request).getRequestURI().endsWith("/blocked")) {
					((HttpServletResponse) response).sendError(403);
					return;
				}
				chain.doFilter(request, response);
			});
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
			return registration;
		}

		/** An HTML error page served by a forward, as a JSP error page (error.jsp, error/403.jsp) is. */
		@Bean
		ErrorViewResolver forwardingErrorViewResolver() {
			return (request, status, model) -> new ModelAndView("forward:/mvc/other/error-page");
		}

	}

}
