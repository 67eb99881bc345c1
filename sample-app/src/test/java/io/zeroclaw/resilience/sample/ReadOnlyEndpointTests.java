package io.zeroclaw.resilience.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's advice for an exposed {@code resilience} endpoint: Spring Boot's per-endpoint access setting keeps it to
 * reads, so no one who reaches Actuator can force a breaker.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoint.resilience.access=read-only")
class ReadOnlyEndpointTests {

	@LocalServerPort
	private int port;

	private final HttpClient client = HttpClient.newHttpClient();

	@Test
	void readOnlyEndpointShouldAnswerReadsAndRefuseToForceABreaker() throws Exception {
		assertThat(send("GET", "/actuator/resilience/demoProvider", null).body()).contains("\"state\":\"CLOSED\"");
		HttpResponse<String> forced = send("POST", "/actuator/resilience/demoProvider", "{\"state\":\"OPEN\"}");
		assertThat(forced.statusCode()).isEqualTo(405);
		assertThat(send("GET", "/actuator/resilience/demoProvider", null).body()).contains("\"state\":\"CLOSED\"");
		assertThat(send("POST", "/chat", "{\"message\":\"hi\"}").statusCode()).isEqualTo(200);
	}

	private HttpResponse<String> send(String method, String path, String body) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("Content-Type", "application/json");
		request.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
				: HttpRequest.BodyPublishers.noBody());
		return this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
