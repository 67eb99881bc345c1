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

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * An application with a servlet of its own at {@code /legacy/*} beside Spring MVC's (as H2's console, Jersey or CXF
 * register one), which the server picks by the normalized path; on a frozen clock. For the tests of the paths a
 * request is matched by.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
class LegacyServletApplication {

	private static final HttpClient client = HttpClient.newHttpClient();

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

	/** A {@code GET} of a request target as written (the client resolves no dot segment) with one header. */
	static HttpResponse<String> get(int port, String target, String header, String value) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + target))
			.header(header, value)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

}
