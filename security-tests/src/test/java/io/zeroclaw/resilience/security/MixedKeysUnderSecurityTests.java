package io.zeroclaw.resilience.security;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.test.context.ActiveProfiles;

import static io.zeroclaw.resilience.security.Http.basic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@code ip} policy on the login form beside a {@code principal} policy on the API: two filters, one on each side
 * of Spring Security, each request counted once.
 */
@SpringBootTest(classes = SecuredApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("mixed")
class MixedKeysUnderSecurityTests extends OnTomcat {

	@Autowired
	@Qualifier("rateLimitFilterRegistration")
	private FilterRegistrationBean<?> before;

	@Autowired
	@Qualifier("principalRateLimitFilterRegistration")
	private FilterRegistrationBean<?> after;

	@Test
	void theTwoFiltersSitOnEachSideOfSecurity() {
		assertThat(this.before.getOrder()).isEqualTo(-110);
		assertThat(this.after.getOrder()).isEqualTo(-90);
	}

	@Test
	void anAuthenticatedApiRequestIsCountedOnceAgainstItsUser() {
		for (int i = 0; i < 2; i++) {
			assertThat(this.http.get("/api/me", "Authorization", basic("ivan", "pw")).statusCode()).isEqualTo(200);
		}
		HttpResponse<String> refused = this.http.get("/api/me", "Authorization", basic("ivan", "pw"));
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.body()).contains("'api'");
	}

	@Test
	void loginAttemptsAreCountedByAddressBeforeSecurityAndTheRefusalStaysA429WithCors() {
		Http ipv6 = new Http("[::1]", this.port, false);
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> failed = ipv6.send(ipv6.request("/login")
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString("username=alice&password=wrong")));
			assertThat(failed.statusCode()).isEqualTo(302);
		}
		HttpResponse<String> refused = ipv6.send(ipv6.request("/login")
			.header("Content-Type", "application/x-www-form-urlencoded")
			.header("Origin", SecuredApplication.ORIGIN)
			.POST(HttpRequest.BodyPublishers.ofString("username=alice&password=wrong")));
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(refused.headers().firstValue("Retry-After")).isPresent();
		assertThat(refused.headers().allValues("Access-Control-Allow-Origin"))
			.containsExactly(SecuredApplication.ORIGIN);
		assertThat(refused.headers().firstValue("Set-Cookie")).isEmpty();
		// the api policy, by user, is untouched by the address's refusals
		assertThat(ipv6.get("/api/me", "Authorization", basic("alice", "pw")).statusCode()).isEqualTo(200);
	}

}
