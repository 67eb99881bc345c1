package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A servlet other than Spring MVC's (as a {@code ServletRegistrationBean} registers it: H2's console, Jersey, CXF) is
 * chosen by the server from the decoded, normalized path, while the request URI keeps the client's spelling: a
 * spelling through an excluded prefix ({@code /actuator/../legacy/a}) must not take the request out of every policy.
 * On a real server, one request a minute per client.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = LegacyServletApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"management.endpoints.web.exposure.include=health" })
class RateLimitFilterServedPathIntegrationTests {

	@LocalServerPort
	private int port;

	@Test
	void plainSpellingShouldBeLimited() throws Exception {
		assertThat(get("/legacy/a", "plain").statusCode()).isEqualTo(200);
		assertThat(get("/legacy/a", "plain").statusCode()).isEqualTo(429);
	}

	@Test
	void spellingThroughAnExcludedPrefixShouldBeLimitedAsThePathItIsServedAs() throws Exception {
		HttpResponse<String> first = get("/actuator/../legacy/a", "dot-dot");
		assertThat(first.body()).isEqualTo("legacy /a");
		assertThat(first.headers().firstValue("RateLimit")).hasValue("\"default\";r=0;t=60");
		assertThat(get("/actuator/../legacy/a", "dot-dot").statusCode()).isEqualTo(429);
		// the same bucket as the plain spelling
		assertThat(get("/legacy/a", "dot-dot").statusCode()).isEqualTo(429);
	}

	@Test
	void spellingsWithDoubledSlashesOrPathParametersShouldBeLimited() throws Exception {
		assertThat(get("/actuator//../legacy/b", "slashes").body()).isEqualTo("legacy /b");
		assertThat(get("/actuator//../legacy/b", "slashes").statusCode()).isEqualTo(429);
		assertThat(get("/actuator/..;x=1/legacy/c", "parameter").body()).isEqualTo("legacy /c");
		assertThat(get("/actuator/..;x=1/legacy/c", "parameter").statusCode()).isEqualTo(429);
	}

	@Test
	void actuatorItselfShouldStayExcluded() throws Exception {
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> health = get("/actuator/health", "prober");
			assertThat(health.statusCode()).isEqualTo(200);
			assertThat(health.headers().firstValue("RateLimit")).isEmpty();
		}
		// spelled with a dot segment that stays inside Actuator: still excluded
		assertThat(get("/actuator/./health", "prober").headers().firstValue("RateLimit")).isEmpty();
		assertThat(get("/actuator/./health", "prober").headers().firstValue("RateLimit")).isEmpty();
	}

	private HttpResponse<String> get(String target, String clientId) throws Exception {
		return LegacyServletApplication.get(this.port, target, "X-Client", clientId);
	}

}
