package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.support.ErrorPageFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Boot's {@link ErrorPageFilter}, which a war deployment
 * ({@code SpringBootServletInitializer}) registers, serves error pages by a forward within the request's own
 * dispatch; a request refused by a filter ahead of the limiter must not be counted, nor its 403 turned into a 429.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, classes = RateLimitErrorPageFilterIntegrationTests.App.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=3", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client" })
class RateLimitErrorPageFilterIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void requestRefusedAheadOfTheLimiterShouldKeepItsErrorPageUncounted() throws Exception {
		List<String> answers = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			HttpResponse<String> refused = get("/blocked", "blocked");
			answers.add(refused.statusCode() + " " + refused.headers().firstValue("RateLimit").orElse("-"));
		}
		assertThat(answers).containsOnly("403 -");
		assertThat(get("/probe", "blocked").headers().firstValue("RateLimit")).hasValue("\"default\";r=2;t=20");
	}

	private HttpResponse<String> get(String path, String clientId) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Client", clientId)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@RestController
	static class Handlers {

		@GetMapping("/probe")
		String probe() {
			return "probe";
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

		/** What SpringBootServletInitializer registers in a war deployment. */
		@Bean
		ErrorPageFilter errorPageFilter() {
			return new ErrorPageFilter();
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

	}

}
