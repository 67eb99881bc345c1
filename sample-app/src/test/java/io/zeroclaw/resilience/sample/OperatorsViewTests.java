package io.zeroclaw.resilience.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator sees after real traffic: the {@code resilience} endpoint, a breaker forced through it, the
 * {@code resilience} health contributor, and every meter of the design under its Prometheus name.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "zeroclaw.resilience.circuit-breaker.instances.demoProvider.recovery-timeout=5m")
class OperatorsViewTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	private final HttpClient client = HttpClient.newHttpClient();

	@BeforeEach
	void healTheDemoProvider() throws Exception {
		assertThat(send("PUT", "/demo/provider?failureRate=0.0&latencyMs=0", "").statusCode()).isEqualTo(200);
		assertThat(send("POST", "/actuator/resilience/demoProvider", "{\"state\":\"CLOSED\"}").statusCode())
			.isEqualTo(200);
	}

	@Test
	void endpointShouldShowEveryProtectionAfterTraffic() throws Exception {
		for (int i = 0; i < 7; i++) {
			send("POST", "/webhook", "");
		}
		assertThat(send("POST", "/chat", "{\"message\":\"hi\"}").statusCode()).isEqualTo(200);

		HttpResponse<String> response = send("GET", "/actuator/resilience", null);
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode view = json.readTree(response.body());

		assertThat(view.at("/rateLimit/policies").propertyNames()).containsExactly("webhook");
		JsonNode webhook = view.at("/rateLimit/policies/webhook");
		assertThat(view.at("/rateLimit/enabled").asBoolean()).isTrue();
		assertThat(view.at("/rateLimit/store").asString()).isEqualTo("memory");
		assertThat(webhook.get("capacity").asLong()).isEqualTo(5);
		assertThat(webhook.get("requestsPerWindow").asLong()).isEqualTo(5);
		assertThat(webhook.get("windowSeconds").asLong()).isEqualTo(60);
		assertThat(webhook.get("window").asString()).isEqualTo("PT1M");
		assertThat(webhook.get("burst").asLong()).isZero();
		assertThat(webhook.get("key").asString()).isEqualTo("ip");
		assertThat(webhook.get("keys").asLong()).isEqualTo(1);

		JsonNode demo = view.at("/circuitBreakers/demoProvider");
		assertThat(demo.get("state").asString()).isEqualTo("CLOSED");
		assertThat(demo.get("consecutiveFailures").asInt()).isZero();
		assertThat(demo.get("retryAfterSeconds").asLong()).isZero();
		assertThat(demo.get("failureThreshold").asInt()).isEqualTo(3);

		JsonNode backpressure = view.get("backpressure");
		assertThat(backpressure.get("enabled").asBoolean()).isTrue();
		assertThat(backpressure.get("depth").asInt()).isZero();
		assertThat(backpressure.get("maxQueueDepth").asInt()).isEqualTo(10);
		assertThat(backpressure.at("/shedThresholds/background").asDouble()).isEqualTo(0.5);
		assertThat(backpressure.at("/shedThresholds/low").asDouble()).isEqualTo(0.7);
		assertThat(backpressure.at("/shedThresholds/normal").asDouble()).isEqualTo(0.85);
		assertThat(backpressure.at("/shedThresholds/high").asDouble()).isEqualTo(0.95);
		assertThat(backpressure.at("/limits/LOW").asInt()).isEqualTo(7);
	}

	@Test
	void forcingABreakerOpenShouldRefuseCallsUntilItIsForcedClosed() throws Exception {
		HttpResponse<String> opened = send("POST", "/actuator/resilience/demoProvider", "{\"state\":\"OPEN\"}");
		assertThat(opened.statusCode()).isEqualTo(200);
		assertThat(json.readTree(opened.body()).get("state").asString()).isEqualTo("OPEN");

		HttpResponse<String> refused = send("POST", "/chat", "{\"message\":\"hi\"}");
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(refused.headers().firstValue("Retry-After")).isPresent();

		HttpResponse<String> health = send("GET", "/actuator/health/resilience", null);
		assertThat(health.statusCode()).isEqualTo(200);
		JsonNode healthBody = json.readTree(health.body());
		assertThat(healthBody.get("status").asString()).isEqualTo("UP");
		assertThat(healthBody.at("/details/circuitBreakers/demoProvider/state").asString()).isEqualTo("OPEN");

		HttpResponse<String> closed = send("POST", "/actuator/resilience/demoProvider", "{\"state\":\"CLOSED\"}");
		assertThat(closed.statusCode()).isEqualTo(200);
		assertThat(json.readTree(closed.body()).get("state").asString()).isEqualTo("CLOSED");
		assertThat(send("POST", "/chat", "{\"message\":\"hi\"}").statusCode()).isEqualTo(200);
	}

	@Test
	void forcingAnUnknownBreakerShouldBeNotFound() throws Exception {
		HttpResponse<String> response = send("POST", "/actuator/resilience/noSuchProvider", "{\"state\":\"OPEN\"}");
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(json.readTree(response.body()).get("detail").asString()).contains("noSuchProvider");
	}

	@Test
	void readingAnUnknownBreakerShouldBeNotFoundWithAProblem() throws Exception {
		HttpResponse<String> response = send("GET", "/actuator/resilience/noSuchProvider", null);
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		JsonNode problem = json.readTree(response.body());
		assertThat(problem.get("status").asInt()).isEqualTo(404);
		assertThat(problem.get("detail").asString()).isEqualTo("There is no circuit breaker named 'noSuchProvider'.");
		assertThat(problem.get("instance").asString()).isEqualTo("/actuator/resilience/noSuchProvider");
		HttpResponse<String> known = send("GET", "/actuator/resilience/demoProvider", null);
		assertThat(known.statusCode()).isEqualTo(200);
		assertThat(json.readTree(known.body()).get("state").asString()).isEqualTo("CLOSED");
	}

	@Test
	void forcingWithoutAStateShouldBeABadRequestSayingWhatIsMissing() throws Exception {
		HttpResponse<String> response = send("POST", "/actuator/resilience/demoProvider", "{}");
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		JsonNode problem = json.readTree(response.body());
		assertThat(problem.get("status").asInt()).isEqualTo(400);
		assertThat(problem.get("detail").asString()).contains("\"state\"");
		assertThat(problem.has("type")).isFalse();
	}

	@Test
	void forcingAnUnknownStateShouldBeABadRequest() throws Exception {
		HttpResponse<String> response = send("POST", "/actuator/resilience/demoProvider", "{\"state\":\"AJAR\"}");
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		JsonNode problem = json.readTree(response.body());
		assertThat(problem.get("status").asInt()).isEqualTo(400);
		assertThat(problem.get("detail").asString()).contains("AJAR");
		assertThat(problem.get("instance").asString()).isEqualTo("/actuator/resilience/demoProvider");
		assertThat(send("GET", "/actuator/resilience/demoProvider", null).body()).contains("\"state\":\"CLOSED\"");
	}

	@Test
	void forcingAHugeStateShouldNotEchoItWhole() throws Exception {
		String state = "A".repeat(1_000_000);
		HttpResponse<String> response = send("POST", "/actuator/resilience/demoProvider",
				"{\"state\":\"" + state + "\"}");
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.body()).hasSizeLessThan(1_000).contains("A".repeat(64) + "...");
	}

	@Test
	void prometheusShouldServeEveryMeterOfTheDesignUnderItsPrometheusName() throws Exception {
		for (int i = 0; i < 6; i++) {
			send("POST", "/webhook", "");
		}
		send("POST", "/chat", "{\"message\":\"hi\"}");
		assertThat(send("POST", "/agent/tasks?priority=LOW&durationMs=0", "").statusCode()).isEqualTo(202);

		String metrics = send("GET", "/actuator/prometheus", null).body();
		assertThat(metrics).containsPattern(
				"zeroclaw_resilience_ratelimit_requests_total\\{outcome=\"allowed\",policy=\"webhook\"\\} [1-9]")
			.containsPattern(
					"zeroclaw_resilience_ratelimit_requests_total\\{outcome=\"rejected\",policy=\"webhook\"\\} [1-9]")
			.contains("zeroclaw_resilience_ratelimit_requests_total{outcome=\"error\",policy=\"webhook\"} 0.0")
			.contains("zeroclaw_resilience_ratelimit_keys{policy=\"webhook\"} 1.0")
			.contains("zeroclaw_resilience_circuitbreaker_state{name=\"demoProvider\",state=\"CLOSED\"} 1.0")
			.contains("zeroclaw_resilience_circuitbreaker_state{name=\"demoProvider\",state=\"OPEN\"} 0.0")
			.contains("zeroclaw_resilience_circuitbreaker_state{name=\"demoProvider\",state=\"HALF_OPEN\"} 0.0")
			.containsPattern(
					"zeroclaw_resilience_circuitbreaker_calls_total\\{name=\"demoProvider\",outcome=\"success\"\\} [1-9]")
			.contains("zeroclaw_resilience_circuitbreaker_calls_total{name=\"demoProvider\",outcome=\"rejected\"}")
			.containsPattern("zeroclaw_resilience_backpressure_depth [0-9]")
			.contains("zeroclaw_resilience_backpressure_admitted_total{priority=\"LOW\"} 1.0")
			.contains("zeroclaw_resilience_backpressure_shed_total{priority=\"LOW\"} 0.0");
	}

	private HttpResponse<String> send(String method, String path, String body) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("Content-Type", "application/json");
		request.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
				: HttpRequest.BodyPublishers.noBody());
		return this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
