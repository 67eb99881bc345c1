package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the rate-limit filter runs relative to Spring Security's filter chain, on a running server. A stand-in for
 * Security sits where {@code spring.security.filter.order} puts Security's chain: it authenticates a request from its
 * {@code X-User} header, and answers {@code POST /login} itself, as a login form's processing does, without passing
 * the request on.
 */
class RateLimitFilterPlacementIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@Nested
	@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
			classes = { RateLimitTestApplication.class, SecurityStandIn.class },
			properties = { "zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.include-paths=",
					"zeroclaw.resilience.rate-limit.requests-per-window=2", "zeroclaw.resilience.rate-limit.burst=0",
					"zeroclaw.resilience.rate-limit.policies.login.paths=/login",
					"zeroclaw.resilience.rate-limit.policies.login.methods=POST",
					"zeroclaw.resilience.rate-limit.policies.login.requests-per-window=1",
					"zeroclaw.resilience.rate-limit.policies.me.paths=/me",
					"zeroclaw.resilience.rate-limit.policies.me.key=principal" })
	class PrincipalPolicyBesideAnIpPolicy {

		@LocalServerPort
		private int port;

		@Test
		void ipPolicyShouldCountWhatSecurityAnswersItself() throws Exception {
			HttpResponse<String> first = send(this.port, "POST", "/login", null);
			assertThat(first.statusCode()).isEqualTo(302);
			assertThat(first.headers().firstValue("RateLimit")).hasValue("\"login\";r=0;t=60");
			assertThat(send(this.port, "POST", "/login", null).statusCode()).isEqualTo(429);
		}

		@Test
		void principalPolicyShouldKeyByTheAuthenticatedUser() throws Exception {
			for (int i = 0; i < 2; i++) {
				assertThat(send(this.port, "GET", "/me", "alice").statusCode()).isEqualTo(200);
			}
			assertThat(send(this.port, "GET", "/me", "alice").statusCode()).isEqualTo(429);
			HttpResponse<String> bob = send(this.port, "GET", "/me", "bob");
			assertThat(bob.statusCode()).isEqualTo(200);
			assertThat(bob.headers().allValues("RateLimit")).containsExactly("\"me\";r=1;t=30");
		}

	}

	@Nested
	@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
			classes = { RateLimitTestApplication.class, SecurityStandIn.class },
			properties = { "spring.security.filter.order=-50", "zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
					"zeroclaw.resilience.rate-limit.key=principal" })
	class PrincipalKeysWithSecurityMoved {

		@LocalServerPort
		private int port;

		@Test
		void filterShouldStillRunAfterSecurity() throws Exception {
			assertThat(send(this.port, "GET", "/data", "alice").statusCode()).isEqualTo(200);
			assertThat(send(this.port, "GET", "/data", "alice").statusCode()).isEqualTo(429);
			assertThat(send(this.port, "GET", "/data", "bob").statusCode()).isEqualTo(200);
		}

	}

	@Nested
	@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
			classes = { RateLimitTestApplication.class, SecurityStandIn.class },
			properties = { "spring.security.filter.order=-200", "zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
					"zeroclaw.resilience.rate-limit.policies.login.paths=/login" })
	class IpKeysWithSecurityMoved {

		@LocalServerPort
		private int port;

		@Test
		void filterShouldStillRunBeforeSecurity() throws Exception {
			assertThat(send(this.port, "POST", "/login", null).statusCode()).isEqualTo(302);
			assertThat(send(this.port, "POST", "/login", null).statusCode()).isEqualTo(429);
		}

	}

	private static HttpResponse<String> send(int port, String method, String path, String user) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
			.method(method, HttpRequest.BodyPublishers.noBody());
		if (user != null) {
			request.header("X-User", user);
		}
		return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Configuration(proxyBeanMethods = false)
	static class SecurityStandIn {

		@Bean
		FilterRegistrationBean<Filter> securityStandIn(@Value("${spring.security.filter.order:-100}") int order) {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				HttpServletRequest http = (HttpServletRequest) request;
				if (http.getMethod().equals("POST") && http.getRequestURI().equals("/login")) {
					((HttpServletResponse) response).sendRedirect("/");
					return;
				}
				String user = http.getHeader("X-User");
				chain.doFilter((user != null) ? new Authenticated(http, user) : request, response);
			});
			registration.setOrder(order);
			return registration;
		}

	}

	static final class Authenticated extends HttpServletRequestWrapper {

		private final String user;

		Authenticated(HttpServletRequest request, String user) {
			super(request);
			this.user = user;
		}

		@Override
		public Principal getUserPrincipal() {
			return () -> this.user;
		}

	}

}
