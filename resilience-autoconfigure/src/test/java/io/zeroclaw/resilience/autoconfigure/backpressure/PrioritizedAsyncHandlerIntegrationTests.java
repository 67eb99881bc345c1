package io.zeroclaw.resilience.autoconfigure.backpressure;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Prioritized} Spring MVC handlers on a real Tomcat. A handler's work is admitted for as long as it runs: one
 * that returns a {@code CompletableFuture} holds its slot until the future completes, and one that returns Spring
 * MVC's other asynchronous types ({@code Callable}, {@code WebAsyncTask}, {@code DeferredResult}, an emitter), whose
 * work also runs after the method has returned, until Spring MVC has finished the request, so that work piling up is
 * shed with 503s. A slot is never left behind: not by a timed-out request, nor by such a method called by a handler.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = PrioritizedAsyncHandlerIntegrationTests.HandlerApplication.class,
		properties = { "zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10" })
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedAsyncHandlerIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private BackpressureController controller;

	@Autowired
	private Work work;

	@Autowired
	private StubbornWork stubborn;

	@AfterEach
	void release() {
		this.work.release();
		this.stubborn.release();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/future", "/callable", "/web-async-task", "/deferred", "/emitter", "/streaming",
			"/mono", "/entity-emitter" })
	void lowWorkStillRunningShouldHoldItsSlotsAndTheNextLowRequestBeShed(String path) throws Exception {
		this.work.reset();
		List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
		// LOW is shed from a depth of 7 of 10: seven requests are admitted and keep running
		for (int i = 0; i < 7; i++) {
			running.add(client.sendAsync(request(path), HttpResponse.BodyHandlers.ofString()));
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> this.work.started() == 7);
		assertThat(this.controller.depth()).as("depth while seven " + path + " handlers work").isEqualTo(7);
		HttpResponse<String> eighth = client.send(request(path), HttpResponse.BodyHandlers.ofString());
		assertThat(eighth.statusCode()).as("the eighth " + path + " request").isEqualTo(503);
		this.work.release();
		for (CompletableFuture<HttpResponse<String>> response : running) {
			assertThat(response.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	@Test
	void requestThatTimesOutShouldGiveItsSlotBack() throws Exception {
		HttpResponse<String> timedOut = client.send(request("/deferred-timeout"), HttpResponse.BodyHandlers.ofString());
		assertThat(timedOut.statusCode()).isEqualTo(503);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	@Test
	void methodReturningACallableToAHandlerThatDoesNotReturnItShouldGiveItsSlotBackWhenItReturns() throws Exception {
		HttpResponse<String> response = client.send(request("/unused-callable"), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(this.controller.depth()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/entity-deferred", "/entity-callable", "/entity-web-async-task" })
	void asynchronousTypeThatSpringMvcWritesAsABodyShouldGiveItsSlotBackWithTheAnswer(String path) throws Exception {
		// in a ResponseEntity, Spring MVC writes these as JSON at once: no asynchronous processing ever starts
		HttpResponse<String> response = client.send(request(path), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	@Test
	void handlerAnsweringAnEntityWithoutABodyShouldBeAnsweredAndGiveItsSlotBack() throws Exception {
		HttpResponse<String> response = client.send(request("/entity-empty"), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(204);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	@Test
	void asynchronousProcessingThatFailsToStartShouldGiveTheSlotBack() throws Exception {
		// a filter of the chain does not support asynchronous requests: starting one fails
		HttpResponse<String> response = client.send(request("/not-async/deferred"),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(500);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	@Test
	void callableStillRunningAfterItsRequestTimedOutShouldKeepItsSlotUntilItEnds() throws Exception {
		this.stubborn.reset();
		HttpResponse<String> response = client.send(request("/slow-callable"), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(503);
		await().atMost(Duration.ofSeconds(10)).until(this.stubborn::interrupted);
		assertThat(this.stubborn.admittedInBody()).isTrue();
		assertThat(this.controller.depth()).as("depth while the timed-out body still runs").isEqualTo(1);
		this.stubborn.release();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.controller.depth() == 0);
	}

	private HttpRequest request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(30))
			.build();
	}

	/** Work that blocks until released, counting how many are under way. */
	static final class Work {

		private final AtomicInteger started = new AtomicInteger();

		private volatile CountDownLatch gate = new CountDownLatch(1);

		void reset() {
			this.started.set(0);
			this.gate = new CountDownLatch(1);
		}

		int started() {
			return this.started.get();
		}

		void release() {
			this.gate.countDown();
		}

		String run() throws InterruptedException {
			this.started.incrementAndGet();
			this.gate.await(30, TimeUnit.SECONDS);
			return "done";
		}

	}

	/** Work that an interrupt does not stop, as a blocking socket read is not: it runs until released. */
	static final class StubbornWork {

		private volatile CountDownLatch gate = new CountDownLatch(1);

		private final AtomicBoolean interrupted = new AtomicBoolean();

		private final AtomicBoolean admittedInBody = new AtomicBoolean();

		String run() {
			this.admittedInBody.set(AdmittedWork.isHeld());
			while (true) {
				try {
					this.gate.await();
					return "done";
				}
				catch (InterruptedException ex) {
					this.interrupted.set(true);
				}
			}
		}

		boolean interrupted() {
			return this.interrupted.get();
		}

		boolean admittedInBody() {
			return this.admittedInBody.get();
		}

		void release() {
			this.gate.countDown();
		}

		void reset() {
			this.gate = new CountDownLatch(1);
			this.interrupted.set(false);
			this.admittedInBody.set(false);
		}

	}

	@RestController
	public static class PrioritizedHandlers {

		private final Work work;

		private final ExecutorService pool;

		private final Tasks tasks;

		private final StubbornWork stubborn;

		PrioritizedHandlers(Work work, ExecutorService pool, Tasks tasks, StubbornWork stubborn) {
			this.work = work;
			this.pool = pool;
			this.tasks = tasks;
			this.stubborn = stubborn;
		}

		@GetMapping("/future")
		@Prioritized(Priority.LOW)
		public CompletableFuture<String> future() {
			return CompletableFuture.supplyAsync(() -> {
				try {
					return this.work.run();
				}
				catch (InterruptedException ex) {
					throw new IllegalStateException(ex);
				}
			}, this.pool);
		}

		@GetMapping("/callable")
		@Prioritized(Priority.LOW)
		public Callable<String> callable() {
			return this.work::run;
		}

		@GetMapping("/web-async-task")
		@Prioritized(Priority.LOW)
		public WebAsyncTask<String> webAsyncTask() {
			return new WebAsyncTask<>(30_000L, this.work::run);
		}

		@GetMapping("/entity-deferred")
		@Prioritized(Priority.LOW)
		public ResponseEntity<DeferredResult<String>> entityDeferred() {
			DeferredResult<String> result = new DeferredResult<>(5_000L);
			result.setResult("done");
			return ResponseEntity.ok(result);
		}

		@GetMapping("/entity-callable")
		@Prioritized(Priority.LOW)
		public ResponseEntity<Callable<String>> entityCallable() {
			return ResponseEntity.ok(() -> "done");
		}

		@GetMapping("/entity-web-async-task")
		@Prioritized(Priority.LOW)
		public ResponseEntity<WebAsyncTask<String>> entityWebAsyncTask() {
			return ResponseEntity.ok(new WebAsyncTask<>(5_000L, () -> "done"));
		}

		@GetMapping("/entity-empty")
		@Prioritized(Priority.LOW)
		public ResponseEntity<String> entityEmpty() {
			return ResponseEntity.noContent().build();
		}

		@GetMapping("/not-async/deferred")
		@Prioritized(Priority.LOW)
		public DeferredResult<String> notAsyncDeferred() {
			return new DeferredResult<>(5_000L);
		}

		@GetMapping("/slow-callable")
		@Prioritized(Priority.LOW)
		public WebAsyncTask<String> slowCallable() {
			return new WebAsyncTask<>(300L, this.stubborn::run);
		}

		@GetMapping("/deferred-timeout")
		@Prioritized(Priority.LOW)
		public DeferredResult<String> deferredTimeout() {
			return new DeferredResult<>(100L);
		}

		@GetMapping("/unused-callable")
		public String unusedCallable() throws Exception {
			return this.tasks.callable().call();
		}

		@GetMapping("/emitter")
		@Prioritized(Priority.LOW)
		public SseEmitter emitter() {
			SseEmitter emitter = new SseEmitter(30_000L);
			this.pool.execute(() -> {
				try {
					emitter.send(this.work.run());
					emitter.complete();
				}
				catch (Exception ex) {
					emitter.completeWithError(ex);
				}
			});
			return emitter;
		}

		@GetMapping("/streaming")
		@Prioritized(Priority.LOW)
		public StreamingResponseBody streaming() {
			return (body) -> {
				try {
					body.write(this.work.run().getBytes(StandardCharsets.UTF_8));
				}
				catch (InterruptedException ex) {
					throw new IllegalStateException(ex);
				}
			};
		}

		@GetMapping("/mono")
		@Prioritized(Priority.LOW)
		public Mono<String> mono() {
			return Mono.fromCallable(this.work::run).subscribeOn(Schedulers.fromExecutorService(this.pool));
		}

		@GetMapping("/entity-emitter")
		@Prioritized(Priority.LOW)
		public ResponseEntity<SseEmitter> entityEmitter() {
			return ResponseEntity.ok(emitter());
		}

		@GetMapping("/deferred")
		@Prioritized(Priority.LOW)
		public DeferredResult<String> deferred() {
			DeferredResult<String> result = new DeferredResult<>(30_000L);
			this.pool.execute(() -> {
				try {
					result.setResult(this.work.run());
				}
				catch (InterruptedException ex) {
					result.setErrorResult(ex);
				}
			});
			return result;
		}

	}

	/** Not a handler: a service whose {@code Callable} the handler calls itself. */
	public static class Tasks {

		@Prioritized(Priority.LOW)
		public Callable<String> callable() {
			return () -> "called";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class HandlerApplication {

		@Bean
		Work work() {
			return new Work();
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService handlerPool() {
			// daemon threads: the cached context that shuts the pool down closes in a JVM shutdown hook, which
			// live pool threads would keep from running outside Surefire
			return Executors.newFixedThreadPool(16, (task) -> {
				Thread thread = new Thread(task, "handler-pool");
				thread.setDaemon(true);
				return thread;
			});
		}

		@Bean
		Tasks tasks() {
			return new Tasks();
		}

		@Bean
		StubbornWork stubbornWork() {
			return new StubbornWork();
		}

		@Bean
		PrioritizedHandlers prioritizedHandlers(Work work, ExecutorService handlerPool, Tasks tasks,
				StubbornWork stubborn) {
			return new PrioritizedHandlers(work, handlerPool, tasks, stubborn);
		}

		/** A filter that does not support asynchronous requests, on the paths under /not-async. */
		@Bean
		FilterRegistrationBean<Filter> synchronousOnlyFilter() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(
					(request, response, chain) -> chain.doFilter(request, response));
			registration.addUrlPatterns("/not-async/*");
			registration.setAsyncSupported(false);
			return registration;
		}

	}

}
