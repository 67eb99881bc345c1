package io.zeroclaw.resilience.sample.chat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's chat endpoint over the running server: the demo provider is taken down, its breaker opens after three
 * failures and the endpoint answers 503 with Retry-After; once the provider is healed, the first call after the
 * recovery timeout goes through and closes the breaker. The recovery timeout leaves a stalled test machine (a
 * collection, a descheduled runner) seconds between the third failure and the refused call, which would otherwise
 * be a probe.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "zeroclaw.resilience.circuit-breaker.instances.demoProvider.recovery-timeout=5s")
class ChatCircuitBreakerTests {

	@LocalServerPort
	private int port;

	private final HttpClient client = HttpClient.newHttpClient();

	@Test
	void failingProviderShouldOpenTheBreakerAndHealingItShouldCloseIt() throws Exception {
		HttpResponse<String> healthy = chat("hello");
		assertThat(healthy.statusCode()).isEqualTo(200);
		assertThat(healthy.body()).contains("\"reply\":").contains("hello");

		assertThat(send("PUT", "/demo/provider?failureRate=1.0&latencyMs=0", null).statusCode()).isEqualTo(200);
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> failed = chat("hello");
			assertThat(failed.statusCode()).isEqualTo(502);
			assertThat(failed.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(failed.body()).contains("\"detail\":\"the simulated model answered 500");
		}
		HttpResponse<String> refused = chat("hello");
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(
				(seconds) -> assertThat(Integer.parseInt(seconds)).isBetween(1, 5));
		assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(refused.body()).contains("demoProvider");

		HttpResponse<String> healed = send("PUT", "/demo/provider?failureRate=0.0", null);
		assertThat(healed.statusCode()).isEqualTo(200);
		assertThat(healed.body()).contains("\"failureRate\":0.0");
		await().atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> assertThat(chat("again").statusCode()).isEqualTo(200));
		assertThat(chat("and again").statusCode()).isEqualTo(200);
	}

	@Test
	void blankMessageShouldBeABadRequestWithAProblemBody() throws Exception {
		HttpResponse<String> response = send("POST", "/chat", "{\"message\":\" \"}");
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("\"detail\":\"message must not be blank\"");
	}

	@Test
	void impossibleProviderSettingShouldBeABadRequestWithAProblemBody() throws Exception {
		HttpResponse<String> response = send("PUT", "/demo/provider?failureRate=2", null);
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("failureRate must be between 0.0 and 1.0");
	}

	private HttpResponse<String> chat(String message) throws Exception {
		return send("POST", "/chat", "{\"message\":\"" + message + "\"}");
	}

	private HttpResponse<String> send(String method, String path, String json) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
		if (json != null) {
			request.header("Content-Type", "application/json");
			request.method(method, HttpRequest.BodyPublishers.ofString(json));
		}
		else {
			request.method(method, HttpRequest.BodyPublishers.noBody());
		}
		return this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
