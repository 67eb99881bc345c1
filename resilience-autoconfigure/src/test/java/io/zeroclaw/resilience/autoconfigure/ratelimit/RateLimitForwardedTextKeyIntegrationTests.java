package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitFilterPlacementIntegrationTests.Authenticated;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A forwarded address is text a proxy passed on: on Tomcat's own forwarded-header handling ({@code native}) it is
 * the request's address as written, whatever it holds. Text that spells a key of another kind
 * ({@code principal:alice}) must not reach that key's bucket: an anonymous client behind a trusted proxy would spend
 * an authenticated user's tokens.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, classes = RateLimitForwardedTextKeyIntegrationTests.App.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.key=principal",
				"zeroclaw.resilience.rate-limit.requests-per-window=2", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.window=1h", "server.forward-headers-strategy=native" })
class RateLimitForwardedTextKeyIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void anAnonymousClientShouldNotSpendAnAuthenticatedUsersTokens() throws Exception {
		// an anonymous client behind the (trusted, loopback) proxy writes "principal:alice" as its address
		List<Integer> anonymous = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			anonymous.add(send(null, "principal:alice").statusCode());
		}
		// its own quota, under its own key
		assertThat(anonymous).containsExactly(200, 200, 429);
		// alice herself, from her own address, has not made a single request yet
		HttpResponse<String> alice = send("alice", "198.51.100.7");
		assertThat(alice.statusCode()).as("alice's first request").isEqualTo(200);
		assertThat(send("alice", "198.51.100.7").statusCode()).isEqualTo(200);
		assertThat(send("alice", "198.51.100.7").statusCode()).isEqualTo(429);
	}

	private HttpResponse<String> send(String user, String forwardedFor) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/who"))
			.header("X-Forwarded-For", forwardedFor);
		if (user != null) {
			request.header("X-User", user);
		}
		return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class App {

		/** Stands in for Spring Security's authentication, ahead of the principal-keyed filter (-90). */
		@Bean
		FilterRegistrationBean<Filter> authentication() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				HttpServletRequest http = (HttpServletRequest) request;
				String user = http.getHeader("X-User");
				chain.doFilter((user != null) ? new Authenticated(http, user) : request, response);
			});
			registration.setOrder(-100);
			return registration;
		}

		@Bean
		WhoController whoController() {
			return new WhoController();
		}

	}

	@RestController
	static class WhoController {

		@GetMapping("/who")
		String who(HttpServletRequest request) {
			return "addr=" + request.getRemoteAddr();
		}

	}

}
