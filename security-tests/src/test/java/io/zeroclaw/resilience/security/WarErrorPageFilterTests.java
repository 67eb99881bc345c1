package io.zeroclaw.resilience.security;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.servlet.support.ErrorPageFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static io.zeroclaw.resilience.security.Http.basic;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code key: principal} behind Spring Security, deployed as a war: Spring Boot's
 * {@link ErrorPageFilter} (which {@code SpringBootServletInitializer} registers) serves Security's 401 and 403 by a
 * forward to {@code /error}. Security's refusals must not be counted, as on the embedded server.
 */
@SpringBootTest(classes = { SecuredApplication.class, WarErrorPageFilterTests.War.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.key=principal",
				"zeroclaw.resilience.rate-limit.requests-per-window=2", "zeroclaw.resilience.rate-limit.burst=0" })
class WarErrorPageFilterTests extends OnTomcat {

	@Test
	void forbiddenRequestsShouldStayForbiddenAndNotBeCountedAgainstTheUser() {
		List<Integer> forbidden = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			forbidden.add(this.http.get("/admin/me", "Authorization", basic("erin", "pw")).statusCode());
		}
		List<Integer> allowed = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			allowed.add(this.http.get("/api/me", "Authorization", basic("erin", "pw")).statusCode());
		}
		assertThat(forbidden).as("Security's refusals").containsExactly(403, 403, 403);
		assertThat(allowed).as("the user's own requests after them").containsExactly(200, 200);
	}

	@Test
	void wrongPasswordsShouldStayUnauthorizedAndNotSpendTheAddress() {
		List<String> unauthorized = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			var response = this.http.get("/api/me", "Authorization", basic("hank", "wrong"));
			unauthorized.add(response.statusCode() + " " + response.headers().firstValue("RateLimit").orElse("-"));
		}
		List<Integer> anonymous = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			anonymous.add(this.http.get("/public/me").statusCode());
		}
		assertThat(unauthorized).as("Security's refusals").containsOnly("401 -");
		assertThat(anonymous).as("anonymous requests from the address after them").containsExactly(200, 200);
	}

	@Configuration(proxyBeanMethods = false)
	static class War {

		@Bean
		ErrorPageFilter errorPageFilter() {
			return new ErrorPageFilter();
		}

	}

}
