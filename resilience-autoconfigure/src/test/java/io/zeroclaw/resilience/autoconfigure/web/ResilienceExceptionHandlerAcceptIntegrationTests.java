package io.zeroclaw.resilience.autoconfigure.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A refusal escaping a handler is answered {@code 503} with {@code Retry-After} and the problem body whatever the
 * client accepts, and with no body to a {@code HEAD}: never a {@code 406} or a {@code 500}. On a real server.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = ResilienceExceptionHandlerAcceptIntegrationTests.App.class,
		properties = "zeroclaw.resilience.circuit-breaker.enabled=true")
class ResilienceExceptionHandlerAcceptIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "GET|/open|text/html", "GET|/open|application/xml", "GET|/open|*/*;q=0",
			"GET|/open|application/json", "GET|/html|text/html", "HEAD|/open|*/*", "HEAD|/html|text/html" })
	void refusalShouldBe503WithRetryAfterWhateverTheClientAccepts(String method, String path, String accept)
			throws Exception {
		HttpResponse<String> response = client.send(HttpRequest
			.newBuilder(URI.create("http://localhost:" + this.port + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.header("Accept", accept)
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		if (method.equals("HEAD")) {
			assertThat(response.body()).isEmpty();
		}
		else {
			assertThat(response.body()).contains("\"title\":\"Upstream unavailable\"");
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	@Import(App.Controller.class)
	static class App {

		@RestController
		static class Controller {

			@GetMapping("/open")
			String open() {
				throw new CircuitOpenException("upstream", Duration.ofMillis(6_500));
			}

			@GetMapping(path = "/html", produces = "text/html")
			String html() {
				throw new CircuitOpenException("upstream", Duration.ofMillis(6_500));
			}

		}

	}

}
