package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Spring AI's OpenAI chat model, wrapped by the auto-configuration, against a real HTTP server: once the breaker opens
 * no request reaches the server, and after the recovery timeout one probe does.
 */
class SpringAiChatModelCircuitBreakerTests {

	private static final Duration RECOVERY = Duration.ofSeconds(30);

	private static final String COMPLETION = """
			{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
			 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello back"},"finish_reason":"stop"}],
			 "usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}
			""".replace("\n", "");

	private static final String STREAM = """
			data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini",\
			"choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}

			data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini",\
			"choices":[{"index":0,"delta":{"content":" back"},"finish_reason":"stop"}]}

			data: [DONE]

			""";

	private static final AtomicLong clock = new AtomicLong();

	private static MockWebServer server;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(OpenAiConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=3",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=" + RECOVERY.toSeconds() + "s");

	@BeforeEach
	void startServer() throws Exception {
		server = UpstreamServer.start();
	}

	@AfterEach
	void stopServer() {
		server.close();
	}

	@Test
	void callsShouldStopReachingTheServerOnceOpenAndOneProbeShouldCloseIt() {
		this.contextRunner.run((context) -> {
			ChatModel chatModel = context.getBean(ChatModel.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("chatModel").orElseThrow();
			for (int i = 0; i < 3; i++) {
				server.enqueue(UpstreamServer.serverError());
			}
			for (int i = 0; i < 3; i++) {
				assertThatException().isThrownBy(() -> chatModel.call("Hello"))
					.isNotInstanceOf(CircuitOpenException.class);
			}
			assertThat(server.getRequestCount()).isEqualTo(3);
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);

			for (int i = 0; i < 5; i++) {
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> chatModel.call("Hello"));
			}
			assertThat(server.getRequestCount()).isEqualTo(3);

			clock.addAndGet(RECOVERY.toNanos());
			server.enqueue(new MockResponse.Builder().code(200)
				.setHeader("Content-Type", "application/json")
				.body(COMPLETION)
				.build());
			assertThat(chatModel.call("Hello")).isEqualTo("Hello back");
			assertThat(server.getRequestCount()).isEqualTo(4);
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void streamingCallsShouldStopReachingTheServerOnceOpenAndOneProbeShouldCloseIt() {
		this.contextRunner.run((context) -> {
			ChatModel chatModel = context.getBean(ChatModel.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("chatModel").orElseThrow();
			for (int i = 0; i < 3; i++) {
				server.enqueue(UpstreamServer.serverError());
			}
			for (int i = 0; i < 3; i++) {
				assertThatException().isThrownBy(() -> chatModel.stream(new Prompt("Hello")).collectList().block())
					.isNotInstanceOf(CircuitOpenException.class);
			}
			assertThat(server.getRequestCount()).isEqualTo(3);
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);

			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> chatModel.stream(new Prompt("Hello")).collectList().block());
			assertThat(server.getRequestCount()).isEqualTo(3);

			clock.addAndGet(RECOVERY.toNanos());
			server.enqueue(eventStream());
			List<ChatResponse> chunks = chatModel.stream(new Prompt("Hello")).collectList().block();
			assertThat(chunks).extracting((chunk) -> chunk.getResult().getOutput().getText())
				.contains("Hello", " back");
			assertThat(server.getRequestCount()).isEqualTo(4);
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void streamingProbeCancelledAfterItsFirstChunkShouldCloseTheBreaker() {
		this.contextRunner.run((context) -> {
			ChatModel chatModel = context.getBean(ChatModel.class);
			CircuitBreaker breaker = halfOpenBreaker(context);
			server.enqueue(eventStream());
			assertThat(chatModel.stream(new Prompt("Hello")).take(1).collectList().block()).hasSize(1);
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			assertThat(server.getRequestCount()).isEqualTo(1);
		});
	}

	@Test
	void streamingProbeCancelledBeforeItsFirstChunkShouldLetTheNextProbeThrough() {
		this.contextRunner.run((context) -> {
			ChatModel chatModel = context.getBean(ChatModel.class);
			CircuitBreaker breaker = halfOpenBreaker(context);
			server.enqueue(new MockResponse.Builder().code(200)
				.setHeader("Content-Type", "text/event-stream")
				.body(STREAM)
				.headersDelay(2, TimeUnit.SECONDS)
				.build());
			// the caller's own give-up, before the upstream said anything
			assertThatException()
				.isThrownBy(() -> chatModel.stream(new Prompt("Hello")).timeout(Duration.ofMillis(300)).blockLast())
				.withCauseInstanceOf(TimeoutException.class);
			assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
			server.enqueue(eventStream());
			assertThat(chatModel.stream(new Prompt("Hello")).collectList().block()).isNotEmpty();
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			assertThat(server.getRequestCount()).isEqualTo(2);
		});
	}

	@Test
	void defaultOptionsShouldPassThroughAnOpenBreaker() {
		this.contextRunner.run((context) -> {
			ChatModel chatModel = context.getBean(ChatModel.class);
			context.getBean(CircuitBreakerRegistry.class).find("chatModel").orElseThrow().transitionToOpen();
			assertThat(chatModel.getDefaultOptions().getModel()).isEqualTo("gpt-4o-mini");
			assertThat(server.getRequestCount()).isZero();
		});
	}

	/** The chat model's breaker, opened and then left for its recovery timeout: the next call is its probe. */
	private static CircuitBreaker halfOpenBreaker(ApplicationContext context) {
		CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("chatModel").orElseThrow();
		breaker.transitionToOpen();
		clock.addAndGet(RECOVERY.toNanos());
		return breaker;
	}

	private static MockResponse eventStream() {
		return new MockResponse.Builder().code(200).setHeader("Content-Type", "text/event-stream").body(STREAM).build();
	}

	@Configuration(proxyBeanMethods = false)
	static class OpenAiConfiguration {

		@Bean
		ChatModel chatModel() {
			// No retries of the client's own, so that every call is exactly one request to count.
			OpenAiChatOptions options = OpenAiChatOptions.builder()
				.baseUrl(server.url("/v1").toString())
				.apiKey("test-key")
				.model("gpt-4o-mini")
				.maxRetries(0)
				.timeout(Duration.ofSeconds(10))
				.build();
			return OpenAiChatModel.builder().options(options).build();
		}

		@Bean
		CircuitBreakerFactory circuitBreakerFactory(ResilienceProperties properties) {
			return new PropertiesCircuitBreakerFactory(properties.getCircuitBreaker(), getClass().getClassLoader(),
					clock::get);
		}

	}

}
