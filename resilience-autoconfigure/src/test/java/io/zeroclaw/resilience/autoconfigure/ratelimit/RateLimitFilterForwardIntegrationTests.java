package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

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
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Forwards, on a real server: a URL-rewriting filter ordered ahead of the rate-limit filter forwards old paths to new
 * ones (as {@code RequestDispatcher.forward} rewriters do), so the limit must apply to the forward; a request the
 * filter has already limited and that the application forwards is not limited a second time. One request a minute
 * per client.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = RateLimitFilterForwardIntegrationTests.RewriteApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client" })
class RateLimitFilterForwardIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void requestForwardedByARewriteFilterAheadOfTheLimiterShouldBeLimited() throws Exception {
		HttpResponse<String> first = get("/v1/webhook", "rewritten");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.body()).isEqualTo("v2 webhook");
		assertThat(first.headers().firstValue("RateLimit")).hasValue("\"default\";r=0;t=60");
		assertThat(get("/v1/webhook", "rewritten").statusCode()).isEqualTo(429);
	}

	@Test
	void requestForwardedByTheApplicationShouldBeLimitedOnce() throws Exception {
		HttpResponse<String> first = get("/legacy/webhook", "forwarded");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.body()).isEqualTo("v2 webhook");
		assertThat(first.headers().allValues("RateLimit")).containsExactly("\"default\";r=0;t=60");
		assertThat(get("/legacy/webhook", "forwarded").statusCode()).isEqualTo(429);
	}

	private HttpResponse<String> get(String path, String clientId) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Client", clientId)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class RewriteApplication {

		@Bean
		RateLimiterFactory frozenClockRateLimiterFactory() {
			return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
		}

		/** Rewrites /v1/** to /v2/**, first in the chain, where URL rewriters are registered. */
		@Bean
		FilterRegistrationBean<Filter> urlRewriteFilter() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				HttpServletRequest http = (HttpServletRequest) request;
				if (http.getRequestURI().startsWith("/v1/")) {
					http.getRequestDispatcher("/v2/" + http.getRequestURI().substring(4)).forward(request, response);
					return;
				}
				chain.doFilter(request, response);
			});
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
			return registration;
		}

		@Bean
		WebhookController webhookController() {
			return new WebhookController();
		}

	}

	@RestController
	static class WebhookController {

		@RequestMapping("/v2/webhook")
		String webhook() {
			return "v2 webhook";
		}

		@RequestMapping("/legacy/webhook")
		void legacy(HttpServletRequest request, HttpServletResponse response) throws Exception {
			request.getRequestDispatcher("/v2/webhook").forward(request, response);
		}

	}

}
