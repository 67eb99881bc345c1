package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spellings under the default {@code include-paths} ({@code /**}) beside named policies, on a Tomcat set to decode
 * an encoded slash ({@code encodedSolidusHandling=decode}, the usual way to allow ids that hold a {@code /}): Spring
 * MVC's default matching keeps {@code a%2Fb} in one segment where the server, other servlets and the Ant-style
 * matcher see two, so when that puts the two under different policies no one of them is safe to apply, and the
 * request is refused; so is a doubled slash ahead of a named policy's path (Spring MVC serves such a path only
 * through a catch-all, other servlets as resolved). On a real server, one request a minute per client.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { LegacyServletApplication.class, RateLimitFilterEncodedSlashIntegrationTests.Files.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.files.paths=/files/{name}",
				"zeroclaw.resilience.rate-limit.policies.legacy.paths=/legacy/**" })
class RateLimitFilterEncodedSlashIntegrationTests {

	@LocalServerPort
	private int port;

	@Test
	void encodedSlashThatPutsThePathUnderAnotherPolicyShouldBeRefusedAsAmbiguous() throws Exception {
		// Spring MVC serves /files/a%2Fb as /files/{name}, the server as /files/a/b (the default policy's path)
		assertThat(get("/files/a%2Fb", "encoded").statusCode()).isEqualTo(400);
		// and a servlet of its own serves /legacy%2Fa as /legacy/a, which the spelling would have put under the default
		assertThat(get("/legacy%2Fa", "encoded").statusCode()).isEqualTo(400);
	}

	@Test
	void encodedSlashWithinOnePolicysPathShouldTakeFromIt() throws Exception {
		HttpResponse<String> first = get("/legacy/x%2Fa", "within");
		assertThat(first.body()).isEqualTo("legacy /x/a");
		assertThat(first.headers().firstValue("RateLimit")).hasValue("\"legacy\";r=0;t=60");
		assertThat(get("/legacy/x/a", "within").statusCode()).isEqualTo(429);
	}

	@Test
	void doubledSlashWithinAPolicysPathShouldTakeFromIt() throws Exception {
		HttpResponse<String> first = get("/legacy//a", "inside");
		assertThat(first.body()).isEqualTo("legacy /a");
		assertThat(first.headers().firstValue("RateLimit")).hasValue("\"legacy\";r=0;t=60");
	}

	@Test
	void doubledSlashAheadOfANamedPolicysPathShouldBeRefusedAsAmbiguous() throws Exception {
		HttpResponse<String> refused = get("//legacy/a", "ahead");
		assertThat(refused.statusCode()).isEqualTo(400);
		assertThat(refused.body()).contains("different rate limits");
	}

	private HttpResponse<String> get(String target, String clientId) throws Exception {
		return LegacyServletApplication.get(this.port, target, "X-Client", clientId);
	}

	@RestController
	static class Files {

		@GetMapping("/files/{name}")
		String file(@PathVariable String name) {
			return "file " + name;
		}

		@Bean
		static TomcatConnectorCustomizer decodeEncodedSlash() {
			return (connector) -> connector.setEncodedSolidusHandling("decode");
		}

	}

}
