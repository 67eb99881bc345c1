package io.zeroclaw.resilience.security;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.servlet.DelegatingFilterProxyRegistrationBean;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.ActiveProfiles;

import static io.zeroclaw.resilience.security.Http.basic;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code filter-order} and {@code spring.security.filter.order} set by the user, with Spring Security. */
class FilterOrderUnderSecurityTests {

	@Nested
	@SpringBootTest(classes = SecuredApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "zeroclaw.resilience.rate-limit.filter-order=-90")
	@ActiveProfiles("mixed")
	class SetAfterSecurity extends OnTomcat {

		@Autowired
		private ApplicationContext context;

		@Autowired
		@Qualifier("rateLimitFilterRegistration")
		private FilterRegistrationBean<?> filter;

		@Test
		void aSingleFilterRunsAtTheGivenOrder() {
			assertThat(this.filter.getOrder()).isEqualTo(-90);
			assertThat(!this.context.containsBean("principalRateLimitFilterRegistration")
					|| !this.context.getBean("principalRateLimitFilterRegistration", FilterRegistrationBean.class)
						.isEnabled()).isTrue();
		}

		@Test
		void theApiPolicyStillKeysByUserAndCountsEachRequestOnce() {
			for (int i = 0; i < 2; i++) {
				assertThat(this.http.get("/api/me", "Authorization", basic("alice", "pw")).statusCode())
					.isEqualTo(200);
			}
			assertThat(this.http.get("/api/me", "Authorization", basic("alice", "pw")).statusCode()).isEqualTo(429);
			assertThat(this.http.get("/api/me", "Authorization", basic("bob", "pw")).statusCode()).isEqualTo(200);
		}

	}

	@Nested
	@SpringBootTest(classes = SecuredApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "spring.security.filter.order=-50")
	@ActiveProfiles("mixed")
	class SecurityMoved extends OnTomcat {

		@Autowired
		@Qualifier("rateLimitFilterRegistration")
		private FilterRegistrationBean<?> before;

		@Autowired
		@Qualifier("principalRateLimitFilterRegistration")
		private FilterRegistrationBean<?> after;

		@Autowired
		@Qualifier("securityFilterChainRegistration")
		private DelegatingFilterProxyRegistrationBean security;

		@Test
		void theFiltersFollowSecurity() {
			assertThat(this.security.getOrder()).isEqualTo(-50);
			assertThat(this.before.getOrder()).isEqualTo(-60);
			assertThat(this.after.getOrder()).isEqualTo(-40);
		}

		@Test
		void usersKeepTheirOwnBucketsAndFailedLoginsAreCountedByAddress() {
			for (int i = 0; i < 2; i++) {
				assertThat(this.http.get("/api/me", "Authorization", basic("alice", "pw")).statusCode())
					.isEqualTo(200);
			}
			assertThat(this.http.get("/api/me", "Authorization", basic("alice", "pw")).statusCode()).isEqualTo(429);
			assertThat(this.http.get("/api/me", "Authorization", basic("bob", "pw")).statusCode()).isEqualTo(200);
			for (int i = 0; i < 2; i++) {
				assertThat(login().statusCode()).isEqualTo(302);
			}
			assertThat(login().statusCode()).isEqualTo(429);
		}

		private HttpResponse<String> login() {
			return this.http.send(this.http.request("/login")
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString("username=alice&password=wrong")));
		}

	}

}
