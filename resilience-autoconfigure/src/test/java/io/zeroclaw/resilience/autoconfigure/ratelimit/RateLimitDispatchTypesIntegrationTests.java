package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The servlet spec's other dispatches and asynchronous answers on a real Tomcat.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, classes = RateLimitDispatchTypesIntegrationTests.App.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=100", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.other.paths=/other/**",
				"zeroclaw.resilience.rate-limit.policies.other.requests-per-window=50",
				"zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.mvc.async.request-timeout=2s" })
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RateLimitDispatchTypesIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	private static final Pattern REMAINING = Pattern.compile(";r=(\\d+)");

	@LocalServerPort
	private int port;

	@Autowired
	private BackpressureController controller;

	@ParameterizedTest
	@CsvSource({ "/sse,200", "/emitter,200", "/streaming,200", "/deferred,200", "/deferred-timeout,503",
			"/deferred-error,500", "/callable,200", "/callable-error,500", "/web-async-task-timeout,503",
			"/future,200", "/future-error,500", "/mono,200", "/mono-error,500", "/flux,200", "/throw,500",
			"/send-error,418", "/rse,409", "/unmapped,404", "/forward-other,200", "/include-other,200",
			"/p/sse,200", "/p/deferred-error,500", "/p/callable-error,500", "/p/web-async-task-timeout,503",
			"/p/mono-error,500", "/p/flux,200", "/p/sse-timeout,200" })
	void eachRequestShouldBeCountedOnceAndCarryItsHeaders(String path, int status) throws Exception {
		String clientId = "c" + path.replace('/', '-');
		HttpResponse<String> response = get(path, clientId);
		assertThat(response.statusCode()).as(path + " status, body " + response.body()).isEqualTo(status);
		assertThat(response.headers().allValues("RateLimit")).as(path + " RateLimit")
			.containsExactly("\"default\";r=99;t=1");
		assertThat(response.headers().allValues("RateLimit-Policy")).as(path + " RateLimit-Policy")
			.containsExactly("\"default\";q=100;w=60");
		assertThat(remaining(get("/probe", clientId))).as("default remaining after " + path).isEqualTo(98);
		assertThat(remaining(get("/other/probe", clientId))).as("other remaining after " + path).isEqualTo(49);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/p/sse-forever", "/p/flux-forever" })
	void streamingClientThatDisconnectsShouldGiveItsSlotBack(String path) throws Exception {
		try (Socket socket = new Socket("localhost", this.port)) {
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-Client: disconnect\r\n\r\n")
				.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[512];
			assertThat(in.read(buffer)).isPositive();
			await().atMost(Duration.ofSeconds(5)).until(() -> this.controller.depth() == 1);
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/sse", "/deferred", "/callable", "/future", "/mono", "/flux", "/throw", "/rse",
			"/unmapped", "/forward-other" })
	void refusedRequestShouldKeepTheProblemBody(String path) throws Exception {
		String clientId = "x" + path.replace('/', '-');
		for (int i = 0; i < 100; i++) {
			get("/probe", clientId);
		}
		HttpResponse<String> refused = get(path, clientId);
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(refused.body()).contains("\"status\":429");
	}

	@Test
	void shedStreamingHandlerShouldAnswerTheProblemBody() throws Exception {
		List<Admission> held = new ArrayList<>();
		try {
			for (int i = 0; i < 7; i++) {
				held.add(this.controller.admit(Priority.CRITICAL));
			}
			HttpResponse<String> shed = client.send(HttpRequest
				.newBuilder(URI.create("http://localhost:" + this.port + "/p/sse-produces"))
				.header("X-Client", "shed")
				.header("Accept", "text/event-stream")
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(shed.statusCode()).as("body " + shed.body()).isEqualTo(503);
			assertThat(shed.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(shed.headers().firstValue("Retry-After")).hasValue("1");
			assertThat(shed.headers().firstValue("RateLimit")).isPresent();
		}
		finally {
			held.forEach(Admission::close);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "/p/deferred-ready", "/p/future-ready", "/p/mono-ready", "/p/sse", "/p/deferred-error",
			"/p/callable-error", "/p/web-async-task-timeout", "/p/sse-timeout", "/p/flux" })
	void asyncHandlerShouldReleaseItsSlotExactlyOnce(String path) throws Exception {
		try (Admission other = this.controller.admit(Priority.CRITICAL)) {
			get(path, "once");
			await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() <= 1);
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
				.until(() -> this.controller.depth() == 1);
		}
		assertThat(this.controller.depth()).isZero();
	}

	@Test
	void futureHandlerWhoseRequestTimedOutShouldGiveItsSlotBack() throws Exception {
		HttpResponse<String> response = get("/p/future-never", "never");
		assertThat(response.statusCode()).isEqualTo(503);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	private static long remaining(HttpResponse<String> response) {
		String header = response.headers().firstValue("RateLimit").orElseThrow();
		Matcher matcher = REMAINING.matcher(header);
		assertThat(matcher.find()).isTrue();
		return Long.parseLong(matcher.group(1));
	}

	private HttpResponse<String> get(String path, String clientId) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("X-Client", clientId)
			.timeout(Duration.ofSeconds(30))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@RestController
	static class Handlers {

		private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "handler-beats");
			thread.setDaemon(true);
			return thread;
		});

		private final ExecutorService pool = Executors.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "handler-pool");
			thread.setDaemon(true);
			return thread;
		});

		@GetMapping({ "/probe", "/other/probe", "/other/x" })
		String probe() {
			return "probe";
		}

		@GetMapping("/sse")
		SseEmitter sse() {
			SseEmitter emitter = new SseEmitter(10_000L);
			this.pool.execute(() -> {
				try {
					emitter.send("one");
					emitter.send("two");
					emitter.complete();
				}
				catch (IOException ex) {
					emitter.completeWithError(ex);
				}
			});
			return emitter;
		}

		@GetMapping("/emitter")
		ResponseBodyEmitter emitter() {
			ResponseBodyEmitter emitter = new ResponseBodyEmitter(10_000L);
			this.pool.execute(() -> {
				try {
					emitter.send("one");
					emitter.complete();
				}
				catch (IOException ex) {
					emitter.completeWithError(ex);
				}
			});
			return emitter;
		}

		@GetMapping("/streaming")
		StreamingResponseBody streaming() {
			return (out) -> out.write("streamed".getBytes(StandardCharsets.UTF_8));
		}

		@GetMapping("/deferred")
		DeferredResult<String> deferred() {
			DeferredResult<String> result = new DeferredResult<>(10_000L);
			this.pool.execute(() -> result.setResult("deferred"));
			return result;
		}

		@GetMapping("/deferred-timeout")
		DeferredResult<String> deferredTimeout() {
			return new DeferredResult<>(100L);
		}

		@GetMapping("/deferred-error")
		DeferredResult<String> deferredError() {
			DeferredResult<String> result = new DeferredResult<>(10_000L);
			this.pool.execute(() -> result.setErrorResult(new IllegalStateException("boom")));
			return result;
		}

		@GetMapping("/callable")
		Callable<String> callable() {
			return () -> "callable";
		}

		@GetMapping("/callable-error")
		Callable<String> callableError() {
			return () -> {
				throw new IllegalStateException("boom");
			};
		}

		@GetMapping("/web-async-task-timeout")
		WebAsyncTask<String> webAsyncTaskTimeout() {
			return new WebAsyncTask<>(100L, () -> {
				long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
				while (System.nanoTime() < end) {
					// an upstream that does not answer within the time-out, and does not stop when interrupted
					LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
				}
				return "late";
			});
		}

		@GetMapping("/future")
		CompletableFuture<String> future() {
			return CompletableFuture.supplyAsync(() -> "future", this.pool);
		}

		@GetMapping("/future-error")
		CompletableFuture<String> futureError() {
			return CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException("boom");
			}, this.pool);
		}

		@GetMapping("/mono")
		Mono<String> mono() {
			return Mono.delay(Duration.ofMillis(20)).map((tick) -> "mono");
		}

		@GetMapping("/mono-error")
		Mono<String> monoError() {
			return Mono.delay(Duration.ofMillis(20)).flatMap((tick) -> Mono.error(new IllegalStateException("boom")));
		}

		@GetMapping(path = "/flux", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		Flux<String> flux() {
			return Flux.range(0, 3).delayElements(Duration.ofMillis(10)).map((tick) -> "tick" + tick);
		}

		@GetMapping("/throw")
		String fail() {
			throw new IllegalStateException("boom");
		}

		@GetMapping("/send-error")
		void sendError(HttpServletResponse response) throws IOException {
			response.sendError(418, "teapot");
		}

		@GetMapping("/rse")
		String rse() {
			throw new ResponseStatusException(HttpStatus.CONFLICT, "conflict");
		}

		@GetMapping("/forward-other")
		void forwardOther(HttpServletRequest request, HttpServletResponse response) throws Exception {
			request.getRequestDispatcher("/other/x").forward(request, response);
		}

		@GetMapping("/include-other")
		void includeOther(HttpServletRequest request, HttpServletResponse response) throws Exception {
			request.getRequestDispatcher("/other/x").include(request, response);
		}

		// @Prioritized variants

		@GetMapping("/p/sse")
		@Prioritized(Priority.LOW)
		public SseEmitter pSse() {
			return sse();
		}

		@GetMapping("/p/sse-timeout")
		@Prioritized(Priority.LOW)
		public SseEmitter pSseTimeout() {
			SseEmitter emitter = new SseEmitter(200L);
			this.pool.execute(() -> {
				try {
					emitter.send("one");
				}
				catch (IOException ex) {
					emitter.completeWithError(ex);
				}
			});
			return emitter;
		}

		@GetMapping("/p/sse-forever")
		@Prioritized(Priority.LOW)
		public SseEmitter pSseForever() {
			SseEmitter emitter = new SseEmitter(-1L);
			// a beat every 20 ms until the client goes (a send then fails) or 2 000 beats were sent
			AtomicInteger sent = new AtomicInteger();
			ScheduledFuture<?>[] beating = new ScheduledFuture<?>[1];
			beating[0] = this.beats.scheduleAtFixedRate(() -> {
				try {
					int beat = sent.getAndIncrement();
					if (beat < 2000) {
						emitter.send("beat " + beat);
					}
					else {
						emitter.complete();
						beating[0].cancel(false);
					}
				}
				catch (Exception ex) {
					emitter.completeWithError(ex);
					beating[0].cancel(false);
				}
			}, 0, 20, TimeUnit.MILLISECONDS);
			return emitter;
		}

		@GetMapping(path = "/p/flux-forever", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		@Prioritized(Priority.LOW)
		public Flux<String> pFluxForever() {
			return Flux.interval(Duration.ofMillis(20)).onBackpressureDrop().map((tick) -> "beat " + tick);
		}

		@GetMapping("/p/emitter-error")
		@Prioritized(Priority.LOW)
		public ResponseBodyEmitter pEmitterError() {
			ResponseBodyEmitter emitter = new ResponseBodyEmitter(10_000L);
			this.pool.execute(() -> {
				try {
					emitter.send("one");
					emitter.completeWithError(new IllegalStateException("boom"));
				}
				catch (IOException ex) {
					emitter.completeWithError(ex);
				}
			});
			return emitter;
		}

		@GetMapping(path = "/p/sse-produces", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		@Prioritized(Priority.LOW)
		public SseEmitter pSseProduces() {
			return sse();
		}

		@GetMapping("/p/deferred-ready")
		@Prioritized(Priority.LOW)
		public DeferredResult<String> pDeferredReady() {
			DeferredResult<String> result = new DeferredResult<>(10_000L);
			result.setResult("ready");
			return result;
		}

		@GetMapping("/p/future-ready")
		@Prioritized(Priority.LOW)
		public CompletableFuture<String> pFutureReady() {
			return CompletableFuture.completedFuture("ready");
		}

		@GetMapping("/p/mono-ready")
		@Prioritized(Priority.LOW)
		public Mono<String> pMonoReady() {
			return Mono.just("ready");
		}

		@GetMapping("/p/future-never")
		@Prioritized(Priority.LOW)
		public CompletableFuture<String> pFutureNever() {
			return new CompletableFuture<>();
		}

		@GetMapping("/p/deferred-error")
		@Prioritized(Priority.LOW)
		public DeferredResult<String> pDeferredError() {
			return deferredError();
		}

		@GetMapping("/p/callable-error")
		@Prioritized(Priority.LOW)
		public Callable<String> pCallableError() {
			return callableError();
		}

		@GetMapping("/p/web-async-task-timeout")
		@Prioritized(Priority.LOW)
		public WebAsyncTask<String> pWebAsyncTaskTimeout() {
			return webAsyncTaskTimeout();
		}

		@GetMapping("/p/mono-error")
		@Prioritized(Priority.LOW)
		public Mono<String> pMonoError() {
			return monoError();
		}

		@GetMapping(path = "/p/flux", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		@Prioritized(Priority.LOW)
		public Flux<String> pFlux() {
			return flux();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class App {

		@Bean
		RateLimiterFactory frozenClockRateLimiterFactory() {
			return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
		}

		@Bean
		Handlers handlers() {
			return new Handlers();
		}

	}

}
