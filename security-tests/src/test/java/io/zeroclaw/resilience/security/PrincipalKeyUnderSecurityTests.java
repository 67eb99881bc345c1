package io.zeroclaw.resilience.security;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static io.zeroclaw.resilience.security.Http.basic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code key: principal} behind Spring Security on a real Tomcat: HTTP Basic, form login and bearer tokens, as the
 * README describes them.
 */
@SpringBootTest(classes = SecuredApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.key=principal",
				"zeroclaw.resilience.rate-limit.requests-per-window=2", "zeroclaw.resilience.rate-limit.burst=0" })
class PrincipalKeyUnderSecurityTests extends OnTomcat {

	private static void assertRefused(HttpResponse<String> response) {
		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(response.headers().firstValue("Retry-After")).isPresent();
		assertThat(response.body()).contains("\"status\":429");
	}

	@Test
	void eachBasicUserGetsABucketOfTheirOwn() {
		for (int i = 0; i < 2; i++) {
			assertThat(this.http.get("/api/me", "Authorization", basic("alice", "pw")).statusCode()).isEqualTo(200);
		}
		assertRefused(this.http.get("/api/me", "Authorization", basic("alice", "pw")));
		HttpResponse<String> bob = this.http.get("/api/me", "Authorization", basic("bob", "pw"));
		assertThat(bob.statusCode()).isEqualTo(200);
		assertThat(bob.body()).isEqualTo("bob");
	}

	@Test
	void eachBearerTokenSubjectGetsABucketOfTheirOwn() {
		for (int i = 0; i < 2; i++) {
			assertThat(this.http.get("/api/me", "Authorization", "Bearer tok-carol").statusCode()).isEqualTo(200);
		}
		assertRefused(this.http.get("/api/me", "Authorization", "Bearer tok-carol"));
		assertThat(this.http.get("/api/me", "Authorization", "Bearer tok-dave").statusCode()).isEqualTo(200);
	}

	@Test
	void wrongPasswordsAndBadTokensOfAUserAreAnsweredBySecurityAndNotCounted() {
		for (int i = 0; i < 4; i++) {
			assertThat(this.http.get("/api/me", "Authorization", basic("hank", "wrong")).statusCode()).isEqualTo(401);
		}
		for (int i = 0; i < 2; i++) {
			assertThat(this.http.get("/api/me", "Authorization", basic("hank", "pw")).statusCode()).isEqualTo(200);
		}
		assertRefused(this.http.get("/api/me", "Authorization", basic("hank", "pw")));
	}

	@Test
	void anAnonymousRequestFallsBackToTheAddressAndSecuritysRefusalsDoNotSpendIt() {
		Http ipv6 = new Http("[::1]", this.port, false);
		for (int i = 0; i < 3; i++) {
			assertThat(ipv6.get("/api/me", "Authorization", basic("alice", "wrong")).statusCode()).isEqualTo(401);
			assertThat(ipv6.get("/admin/me", "Authorization", basic("bob", "pw")).statusCode()).isEqualTo(403);
		}
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> anonymous = ipv6.get("/public/me");
			assertThat(anonymous.statusCode()).isEqualTo(200);
			assertThat(anonymous.body()).isEqualTo("anonymous");
		}
		assertRefused(ipv6.get("/public/me"));
	}

	@Test
	void aForbiddenRequestIsNotCountedAgainstTheUser() {
		for (int i = 0; i < 3; i++) {
			assertThat(this.http.get("/admin/me", "Authorization", basic("erin", "pw")).statusCode()).isEqualTo(403);
		}
		for (int i = 0; i < 2; i++) {
			assertThat(this.http.get("/api/me", "Authorization", basic("erin", "pw")).statusCode()).isEqualTo(200);
		}
		assertRefused(this.http.get("/api/me", "Authorization", basic("erin", "pw")));
	}

	@Test
	void aRefusalCarriesTheCorsHeadersOnceUnderSecuritysCors() {
		String[] headers = { "Authorization", "Bearer tok-frank", "Origin", SecuredApplication.ORIGIN };
		for (int i = 0; i < 2; i++) {
			assertThat(this.http.get("/api/me", headers).statusCode()).isEqualTo(200);
		}
		HttpResponse<String> refused = this.http.get("/api/me", headers);
		assertRefused(refused);
		assertThat(refused.headers().allValues("Access-Control-Allow-Origin"))
			.containsExactly(SecuredApplication.ORIGIN);
		assertThat(refused.headers().allValues("Access-Control-Allow-Credentials")).containsExactly("true");
		assertThat(String.join(",", refused.headers().allValues("Access-Control-Expose-Headers")))
			.contains("Retry-After");
	}

	@Test
	void aFormLoginSessionIsKeyedByItsUserAndTheLoginItselfIsNotCounted() {
		Http browser = new Http("127.0.0.1", this.port, true);
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> failed = browser.send(browser.request("/login")
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString("username=gina&password=wrong")));
			assertThat(failed.statusCode()).isEqualTo(302);
		}
		HttpResponse<String> login = browser.send(browser.request("/login")
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("username=gina&password=pw")));
		assertThat(login.statusCode()).isEqualTo(302);
		assertThat(login.headers().firstValue("Location"))
			.hasValueSatisfying((location) -> assertThat(location).doesNotContain("error"));
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> me = browser.get("/api/me");
			assertThat(me.statusCode()).isEqualTo(200);
			assertThat(me.body()).isEqualTo("gina");
		}
		assertRefused(browser.get("/api/me"));
	}

}
