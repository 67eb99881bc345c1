package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Tomcat set to pass an encoded slash through keeps {@code %2F} in the servlet path, so the spelling and the served
 * path both read {@code /api%2Fchat} as one segment, while the Ant-style matcher decodes the whole URI and serves it
 * from the {@code /api/chat} handler: the filter reads it that way too. On a real server, one request a minute.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { LegacyServletApplication.class, RateLimitFilterEncodedSlashPassthroughIntegrationTests.Chat.class },
		properties = { "spring.mvc.pathmatch.matching-strategy=ant-path-matcher",
				"zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.include-paths=",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.chat.paths=/api/chat",
				"zeroclaw.resilience.rate-limit.policies.chat.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.chat.burst=0" })
class RateLimitFilterEncodedSlashPassthroughIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void encodedSlashPassedThroughShouldTakeFromThePolicyOfTheHandlerThatServesIt() throws Exception {
		assertThat(post("/api/chat").statusCode()).isEqualTo(200);
		HttpResponse<String> respelled = post("/api%2Fchat");
		assertThat(respelled.statusCode()).isEqualTo(429);
		assertThat(respelled.headers().firstValue("RateLimit")).hasValue("\"chat\";r=0;t=60");
	}

	private HttpResponse<String> post(String target) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + target))
			.header("X-Client", "passthrough")
			.POST(HttpRequest.BodyPublishers.noBody())
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@RestController
	static class Chat {

		@PostMapping("/api/chat")
		String chat() {
			return "answered";
		}

		@Bean
		static TomcatConnectorCustomizer passEncodedSlashThrough() {
			return (connector) -> connector.setEncodedSolidusHandling("passthrough");
		}

	}

}
