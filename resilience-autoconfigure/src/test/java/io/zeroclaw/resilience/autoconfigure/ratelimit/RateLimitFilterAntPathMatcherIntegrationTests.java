package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Under Spring MVC's Ant-style matching strategy a handler is found from the path with {@code //} merged and path
 * parameters dropped, so {@code //webhook} and {@code /;x=1/webhook} reach the {@code /webhook} handler: they must
 * take from its policy. On a real server; only {@code /webhook} is limited, once a minute per client address.
 */
@AutoConfigureMockMvc
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = RateLimitFilterAntPathMatcherIntegrationTests.WebhookApplication.class,
		properties = { "spring.mvc.pathmatch.matching-strategy=ant-path-matcher",
				"zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.include-paths=",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
				"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.webhook.burst=0" })
class RateLimitFilterAntPathMatcherIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private MockMvc mvc;

	@Test
	void doubledSlashSpellingShouldTakeFromTheHandlersPolicy() throws Exception {
		assertThat(post("/webhook", "slashes").statusCode()).isEqualTo(200);
		HttpResponse<String> respelled = post("//webhook", "slashes");
		assertThat(respelled.statusCode()).isEqualTo(429);
		assertThat(post("//webhook", "slashes-first").body()).isEqualTo("accepted");
		assertThat(post("/webhook", "slashes-first").statusCode()).isEqualTo(429);
	}

	@Test
	void pathParameterSpellingShouldTakeFromTheHandlersPolicy() throws Exception {
		assertThat(post("/;x=1/webhook", "parameter").body()).isEqualTo("accepted");
		assertThat(post("/;x=1/webhook", "parameter").statusCode()).isEqualTo(429);
	}

	@Test
	void doubledSlashThroughMockMvcShouldBeLimitedAsOnTheServer() throws Exception {
		// MockMvc gives the path as written for path info, without a server's normalization, which the filter adds
		URI doubled = new URI("http", "localhost", "//webhook", null);
		this.mvc.perform(MockMvcRequestBuilders.post(doubled).header("X-Client", "mock"))
			.andExpect(content().string("accepted"));
		this.mvc.perform(MockMvcRequestBuilders.post(doubled).header("X-Client", "mock"))
			.andExpect(status().isTooManyRequests());
	}

	private HttpResponse<String> post(String path, String clientId) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Client", clientId)
			.POST(HttpRequest.BodyPublishers.noBody())
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class WebhookApplication {

		@Bean
		RateLimiterFactory frozenClockRateLimiterFactory() {
			return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
		}

		@RestController
		static class Webhook {

			@PostMapping("/webhook")
			String accept() {
				return "accepted";
			}

		}

	}

}
