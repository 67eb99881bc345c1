package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Under a context path, {@code //ctx/legacy/a} does not parse as a path within the application (its context path is
 * not a prefix of it as written), but the server serves it, as {@code /legacy/a}: it is limited as that, not refused
 * as a malformed path. On a real server, one request a minute per client.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = LegacyServletApplication.class,
		properties = { "server.servlet.context-path=/ctx", "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client" })
class RateLimitFilterContextPathSpellingIntegrationTests {

	@LocalServerPort
	private int port;

	@Test
	void doubledSlashAheadOfTheContextPathShouldBeLimitedAsTheServedPath() throws Exception {
		HttpResponse<String> first = get("//ctx/legacy/a", "doubled");
		assertThat(first.body()).isEqualTo("legacy /a");
		assertThat(first.headers().firstValue("RateLimit")).hasValue("\"default\";r=0;t=60");
		assertThat(get("//ctx/legacy/a", "doubled").statusCode()).isEqualTo(429);
		assertThat(get("/ctx/legacy/a", "doubled").statusCode()).isEqualTo(429);
	}

	private HttpResponse<String> get(String target, String clientId) throws Exception {
		return LegacyServletApplication.get(this.port, target, "X-Client", clientId);
	}

}
