package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two rate-limit filters, one on each side of a stand-in for Spring Security's filter chain that forwards as
 * Security can (a failed login forwarded to a failure page, an anonymous request forwarded to the login page), on a
 * real server: a request is limited exactly once, by the policy of the path the client asked for or, when the
 * forward happens before the filter that applies that policy, by the policy of the path it is forwarded to.
 * Policies keyed by IP (before Security) for the login paths, by principal (after it) for everything else.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = RateLimitFilterSecurityForwardIntegrationTests.SecuredApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.key=principal",
				"zeroclaw.resilience.rate-limit.requests-per-window=5", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.policies.login.paths=/login",
				"zeroclaw.resilience.rate-limit.policies.login.key=ip",
				"zeroclaw.resilience.rate-limit.policies.login.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.login-page.paths=/login-page",
				"zeroclaw.resilience.rate-limit.policies.login-page.key=ip",
				"zeroclaw.resilience.rate-limit.policies.login-page.requests-per-window=1" })
class RateLimitFilterSecurityForwardIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void failedLoginForwardedBySecurityShouldCountOnlyAgainstTheLoginPolicy() throws Exception {
		HttpResponse<String> failed = send("/login", "alice");
		assertThat(failed.body()).isEqualTo("login failed");
		assertThat(failed.headers().allValues("RateLimit")).containsExactly("\"login\";r=0;t=60");
		// alice's own quota is untouched: her first request under the default policy leaves 4 of 5
		assertThat(send("/profile", "alice").headers().allValues("RateLimit"))
			.containsExactly("\"default\";r=4;t=12");
	}

	@Test
	void anonymousRequestForwardedBySecurityToTheLoginPageShouldCountAgainstTheLoginPagePolicy() throws Exception {
		HttpResponse<String> first = send("/reports", null);
		assertThat(first.body()).isEqualTo("login page");
		assertThat(first.headers().allValues("RateLimit")).containsExactly("\"login-page\";r=0;t=60");
		assertThat(send("/reports", null).statusCode()).isEqualTo(429);
	}

	private HttpResponse<String> send(String path, String user) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
		if (user != null) {
			request.header("X-User", user);
		}
		return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class SecuredApplication {

		@Bean
		RateLimiterFactory frozenClockRateLimiterFactory() {
			return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
		}

		/**
		 * Where Spring Security's chain sits, on every dispatch as Security's is: a login always fails and is
		 * forwarded to a failure page; an anonymous request for anything else is forwarded to the login page; a user
		 * named in {@code X-User} is authenticated.
		 */
		@Bean
		FilterRegistrationBean<Filter> standInSecurityFilter() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				HttpServletRequest http = (HttpServletRequest) request;
				String uri = http.getRequestURI();
				String user = http.getHeader("X-User");
				if (http.getDispatcherType() == DispatcherType.REQUEST && uri.equals("/login")) {
					http.getRequestDispatcher("/login-failed").forward(request, response);
				}
				else if (http.getDispatcherType() == DispatcherType.REQUEST && user == null) {
					http.getRequestDispatcher("/login-page").forward(request, response);
				}
				else {
					chain.doFilter((user != null) ? authenticated(http, user) : request, response);
				}
			});
			registration.setOrder(RateLimitFilter.SECURITY_FILTER_ORDER);
			registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.FORWARD);
			return registration;
		}

		private static HttpServletRequest authenticated(HttpServletRequest request, String user) {
			return new HttpServletRequestWrapper(request) {

				@Override
				public Principal getUserPrincipal() {
					return () -> user;
				}

			};
		}

		@Bean
		Pages pages() {
			return new Pages();
		}

	}

	@RestController
	static class Pages {

		@RequestMapping("/login-failed")
		String loginFailed() {
			return "login failed";
		}

		@RequestMapping("/login-page")
		String loginPage() {
			return "login page";
		}

		@RequestMapping("/**")
		String page() {
			return "page";
		}

	}

}
