package io.zeroclaw.resilience.jetty;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jetty, set to accept ambiguous URIs ({@code %2F}, {@code //}, {@code %25}) but not to decode them, throws when
 * asked for such a request's servlet path, while Spring MVC, which never asks, serves it: the filter reads the path as
 * Spring's own helper does instead of refusing the request, and a policy's path reached that way is still charged.
 */
class JettyAmbiguousUriTests {

	@Nested
	@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, classes = JettyApplication.class,
			properties = { "zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.include-paths=",
					"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
					"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=1",
					"zeroclaw.resilience.rate-limit.policies.webhook.burst=0" })
	class UnderNoPolicy {

		@LocalServerPort
		int port;

		@ParameterizedTest
		@ValueSource(strings = { "/open/%25", "/open/a%2Fb", "/open//x", "/open/a%2Fb/%2e%2e/c" })
		void ambiguousUriShouldBeServedUntouched(String target) throws Exception {
			String response = JettyApplication.get(this.port, target, "free");
			assertThat(response).startsWith("HTTP/1.1 200")
				.contains("open /open/")
				.doesNotContainIgnoringCase("RateLimit");
		}

	}

	@Nested
	@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, classes = JettyApplication.class,
			properties = { "zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.include-paths=",
					"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
					"zeroclaw.resilience.rate-limit.policies.open.paths=/open/**",
					"zeroclaw.resilience.rate-limit.policies.open.requests-per-window=1",
					"zeroclaw.resilience.rate-limit.policies.open.burst=0" })
	class UnderAPolicy {

		@LocalServerPort
		int port;

		@ParameterizedTest
		@ValueSource(strings = { "/open/%25", "/open/a%2Fb", "/open//x" })
		void ambiguousUriShouldTakeFromItsPolicy(String target) throws Exception {
			String first = JettyApplication.get(this.port, target, target);
			assertThat(first).startsWith("HTTP/1.1 200").contains("RateLimit: \"open\";r=0;t=60");
			String second = JettyApplication.get(this.port, target, target);
			assertThat(second).startsWith("HTTP/1.1 429").contains("application/problem+json");
		}

	}

}
