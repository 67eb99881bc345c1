package io.zeroclaw.resilience.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's webhook against a running server: the {@code webhook} policy lets five calls a minute through per
 * client address and refuses the sixth.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
class WebhookRateLimitTests {

	@Autowired
	private RestTestClient client;

	@Test
	void sixthWebhookCallWithinAMinuteShouldBeRefusedWithRateLimitHeaders() {
		for (int i = 1; i <= 5; i++) {
			EntityExchangeResult<String> accepted = postWebhook();
			HttpHeaders headers = accepted.getResponseHeaders();
			assertThat(accepted.getStatus()).as("call %d", i).isEqualTo(HttpStatus.OK);
			assertThat(accepted.getResponseBody()).isEqualTo("{\"accepted\":true}");
			assertThat(headers.getFirst("RateLimit-Policy")).isEqualTo("\"webhook\";q=5;w=60");
			assertThat(headers.getFirst("RateLimit")).startsWith("\"webhook\";r=" + (5 - i) + ";t=");
		}
		EntityExchangeResult<String> refused = postWebhook();
		HttpHeaders headers = refused.getResponseHeaders();
		assertThat(refused.getStatus()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(Long.parseLong(headers.getFirst(HttpHeaders.RETRY_AFTER))).isBetween(1L, 12L);
		assertThat(headers.getFirst("RateLimit-Policy")).isEqualTo("\"webhook\";q=5;w=60");
		assertThat(headers.getFirst("RateLimit")).matches("\"webhook\";r=0;t=(5[0-9]|60)");
		assertThat(headers.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(refused.getResponseBody()).contains("\"status\":429").contains("\"title\":\"Too Many Requests\"");
	}

	@Test
	void endpointsOutsideTheWebhookShouldNotBeLimited() {
		for (int i = 0; i < 10; i++) {
			EntityExchangeResult<String> health = this.client.get()
				.uri("/actuator/health")
				.exchange()
				.expectBody(String.class)
				.returnResult();
			assertThat(health.getStatus()).isEqualTo(HttpStatus.OK);
			assertThat(health.getResponseHeaders().containsHeader("RateLimit")).isFalse();
		}
	}

	private EntityExchangeResult<String> postWebhook() {
		return this.client.post().uri("/webhook").exchange().expectBody(String.class).returnResult();
	}

}
