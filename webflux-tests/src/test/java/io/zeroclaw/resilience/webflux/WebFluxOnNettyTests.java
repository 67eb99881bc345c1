package io.zeroclaw.resilience.webflux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.webflux.FluxApplication.FlakyChatModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = FluxApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=2",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=1s",
				"zeroclaw.resilience.backpressure.enabled=true", "zeroclaw.resilience.backpressure.max-queue-depth=2",
				"zeroclaw.resilience.rate-limit.enabled=true",
				"management.endpoints.web.exposure.include=health,resilience",
				"management.endpoint.health.show-details=always" })
class WebFluxOnNettyTests {

	@LocalServerPort
	private int port;

	@Autowired
	private FlakyChatModel model;

	@Autowired
	private CircuitBreakerRegistry breakers;

	@Autowired
	private BackpressureController backpressure;

	private WebTestClient client;

	private final List<Admission> held = new ArrayList<>();

	@BeforeEach
	void connect() {
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	@BeforeEach
	void closeTheBreaker() {
		this.model.setMode("ok");
		breaker().transitionToClosed();
	}

	@AfterEach
	void releaseHeldSlots() {
		this.held.forEach(Admission::close);
		this.held.clear();
	}

	private CircuitBreaker breaker() {
		return this.breakers.find("flakyChatModel").orElseThrow();
	}

	private void assertRefused(String path) {
		this.client.get()
			.uri(path)
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.exists("Retry-After")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(503);
	}

	private void assertRefused(String path, MediaType accept) {
		this.client.get()
			.uri(path)
			.accept(accept)
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.exists("Retry-After")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

	@Test
	void anEventSourceClientOfAnOpenBreakersStreamShouldGetA503Problem() {
		breaker().transitionToOpen();
		assertRefused("/stream", MediaType.TEXT_EVENT_STREAM);
	}

	@Test
	void aClientAcceptingTextOfAnOpenBreakersCallShouldGetA503Problem() {
		breaker().transitionToOpen();
		assertRefused("/chat", MediaType.TEXT_PLAIN);
	}

	@Test
	void aClientAcceptingJsonOfAnOpenBreakersCallShouldGetA503Problem() {
		breaker().transitionToOpen();
		assertRefused("/chat", MediaType.APPLICATION_JSON);
	}

	@Test
	void anEventSourceClientOfShedWorkShouldGetA503Problem() {
		fillTheQueue();
		assertRefused("/prioritized-flux", MediaType.TEXT_EVENT_STREAM);
	}

	@Test
	void functionalEndpointsOfAnOpenBreakerShouldBeAnsweredA503Problem() {
		breaker().transitionToOpen();
		assertRefused("/fn/chat");
		assertRefused("/fn/stream");
		assertRefused("/fn/stream", MediaType.TEXT_EVENT_STREAM);
	}

	@Test
	void aSecondStreamWhileTheProbeIsOutShouldBeA503WithRetryAfter() throws Exception {
		awaitHalfOpen();
		this.model.setMode("hang");
		int before = this.model.streams().get();
		try (Socket socket = openStream()) {
			await().atMost(Duration.ofSeconds(5)).until(() -> this.model.streams().get() > before);
			assertRefused("/stream");
			this.client.get().uri("/stream").exchange().expectHeader().valueEquals("Retry-After", "1");
		}
	}

	/** Opens a raw event-stream request to {@code /stream}, so that a test can leave it as a client would. */
	private Socket openStream() throws IOException {
		Socket socket = new Socket("localhost", this.port);
		OutputStream out = socket.getOutputStream();
		out.write("GET /stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
			.getBytes(StandardCharsets.US_ASCII));
		out.flush();
		return socket;
	}

	private void awaitHalfOpen() {
		breaker().transitionToOpen();
		await().atMost(Duration.ofSeconds(5)).until(() -> breaker().retryAfter().isZero());
	}

	/** A blocking {@code call} on bounded elastic, and {@code stream()}: two failures open it, then 503 problems. */
	@ParameterizedTest
	@ValueSource(strings = { "/chat", "/stream" })
	void chatModelFailuresShouldOpenTheBreakerAndThenBeAnsweredA503Problem(String path) {
		this.model.setMode("fail");
		for (int i = 0; i < 2; i++) {
			this.client.get().uri(path).exchange().expectStatus().isEqualTo(500);
		}
		assertThat(breaker().state()).isEqualTo(CircuitState.OPEN);
		assertRefused(path);
	}

	@Test
	void aStreamThatAnswersShouldCloseAHalfOpenBreaker() {
		awaitHalfOpen();
		this.client.get().uri("/stream").exchange().expectStatus().isOk().expectBody(String.class)
			.value((body) -> assertThat(body).contains("data:a").contains("data:b"));
		assertThat(breaker().state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void aClientLeavingAProbeStreamBeforeItsFirstElementShouldGiveTheProbeBack() throws Exception {
		awaitHalfOpen();
		this.model.setMode("hang");
		int before = this.model.streams().get();
		try (Socket socket = openStream()) {
			await().atMost(Duration.ofSeconds(5)).until(() -> this.model.streams().get() > before);
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> this.model.cancels().get() > 0);
		this.model.setMode("ok");
		this.client.get().uri("/chat").exchange().expectStatus().isOk();
		assertThat(breaker().state()).isEqualTo(CircuitState.CLOSED);
	}

	@Test
	void aClientLeavingAProbeStreamAfterItsFirstElementShouldCountASuccess() throws Exception {
		awaitHalfOpen();
		this.model.setMode("one-then-hang");
		int cancels = this.model.cancels().get();
		try (Socket socket = openStream()) {
			InputStream in = socket.getInputStream();
			StringBuilder seen = new StringBuilder();
			byte[] buffer = new byte[1024];
			while (!seen.toString().contains("data:first")) {
				int n = in.read(buffer);
				assertThat(n).isPositive();
				seen.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
			}
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> this.model.cancels().get() > cancels);
		await().atMost(Duration.ofSeconds(5)).until(() -> breaker().state() == CircuitState.CLOSED);
	}

	/**
	 * A controller method returning a {@code Mono}, a blocking method called from {@code Mono.fromCallable}, a service
	 * returning a {@code Flux}: each holds no slot once it has returned, and is shed as a 503 problem.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "/prioritized-mono", "/prioritized-callable", "/prioritized-flux" })
	void prioritizedWorkShouldHoldNoSlotAfterwardsAndBeShedAsA503Problem(String path) {
		this.client.get().uri(path).exchange().expectStatus().isOk();
		assertThat(this.backpressure.depth()).isZero();
		fillTheQueue();
		assertRefused(path);
	}

	private void fillTheQueue() {
		this.held.add(this.backpressure.admit(Priority.CRITICAL));
		this.held.add(this.backpressure.admit(Priority.CRITICAL));
	}

	@Test
	void theResilienceEndpointShouldSayTheFilterIsAbsentAndForceABreaker() {
		this.client.get()
			.uri("/actuator/resilience")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.rateLimit.enabled")
			.isEqualTo(true)
			.jsonPath("$.rateLimit.filter")
			.isEqualTo(false)
			.jsonPath("$.circuitBreakers.flakyChatModel.state")
			.isEqualTo("CLOSED");
		this.client.post()
			.uri("/actuator/resilience/flakyChatModel")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"state\":\"OPEN\"}")
			.exchange()
			.expectStatus()
			.is2xxSuccessful();
		assertThat(breaker().state()).isEqualTo(CircuitState.OPEN);
		this.client.get().uri("/actuator/resilience/nope").exchange().expectStatus().isNotFound();
		this.client.post()
			.uri("/actuator/resilience/flakyChatModel")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"state\":\"AJAR\"}")
			.exchange()
			.expectStatus()
			.isBadRequest();
	}

	@Test
	void healthShouldListTheBreakerAndStayUpWhenItIsOpen() {
		breaker().transitionToOpen();
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components.resilience.status")
			.isEqualTo("UP");
	}

	@Test
	void manyRequestsShouldNeverBeLimitedSinceTheFilterIsAbsent() {
		for (int i = 0; i < 80; i++) {
			this.client.get().uri("/chat").exchange().expectStatus().isOk();
		}
	}

}
