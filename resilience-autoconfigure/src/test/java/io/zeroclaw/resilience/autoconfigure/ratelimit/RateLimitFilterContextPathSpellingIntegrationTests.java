package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Under a context path, {@code //ctx/legacy/a} does not parse as a path within the application (its context path is
 * not a prefix of it as written), but the server serves it, as {@code /legacy/a}: it is limited as that, not refused
 * as a malformed path. On a real server, one request a minute per client.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = RateLimitFilterContextPathSpellingIntegrationTests.LegacyServletApplication.class,
		properties = { "server.servlet.context-path=/ctx", "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client" })
class RateLimitFilterContextPathSpellingIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void doubledSlashAheadOfTheContextPathShouldBeLimitedAsTheServedPath() throws Exception {
		HttpResponse<String> first = get("//ctx/legacy/a", "doubled");
		assertThat(first.body()).isEqualTo("legacy /a");
		assertThat(first.headers().firstValue("RateLimit")).hasValue("\"default\";r=0;t=60");
		assertThat(get("//ctx/legacy/a", "doubled").statusCode()).isEqualTo(429);
		assertThat(get("/ctx/legacy/a", "doubled").statusCode()).isEqualTo(429);
	}

	private HttpResponse<String> get(String path, String clientId) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Client", clientId)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class LegacyServletApplication {

		@Bean
		RateLimiterFactory frozenClockRateLimiterFactory() {
			return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
		}

		@Bean
		ServletRegistrationBean<HttpServlet> legacyServlet() {
			return new ServletRegistrationBean<>(new HttpServlet() {

				@Override
				protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
					response.getWriter().write("legacy " + request.getPathInfo());
				}

			}, "/legacy/*");
		}

	}

}
