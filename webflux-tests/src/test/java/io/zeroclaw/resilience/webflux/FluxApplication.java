package io.zeroclaw.resilience.webflux;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** A WebFlux application on Netty calling a Spring AI chat model and prioritized work, as a user would write it. */
@SpringBootConfiguration
@EnableAutoConfiguration
class FluxApplication {

	@Bean
	FlakyChatModel flakyChatModel() {
		return new FlakyChatModel();
	}

	@Bean
	Work work() {
		return new Work();
	}

	@Bean
	RouterFunction<ServerResponse> routes(FlakyChatModel model) {
		return RouterFunctions.route()
			.GET("/fn/chat", (request) -> ServerResponse.ok()
				.bodyValue(model.call(new Prompt("q")).getResult().getOutput().getText()))
			.GET("/fn/stream", (request) -> ServerResponse.ok()
				.contentType(MediaType.TEXT_EVENT_STREAM)
				.body(model.stream(new Prompt("q")).map((r) -> r.getResult().getOutput().getText()), String.class))
			.build();
	}

	static ChatResponse answer(String text) {
		return new ChatResponse(List.of(new Generation(new AssistantMessage(text))));
	}

	static class FlakyChatModel implements ChatModel {

		/** What the upstream does: "ok", "fail", "hang" (nothing, ever) or "one-then-hang". */
		private volatile String mode = "ok";

		private final AtomicInteger streams = new AtomicInteger();

		private final AtomicInteger cancels = new AtomicInteger();

		public void setMode(String mode) {
			this.mode = mode;
		}

		public AtomicInteger streams() {
			return this.streams;
		}

		public AtomicInteger cancels() {
			return this.cancels;
		}

		@Override
		public ChatResponse call(Prompt prompt) {
			if ("fail".equals(this.mode)) {
				throw new IllegalStateException("upstream down");
			}
			return answer("hello");
		}

		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			this.streams.incrementAndGet();
			Flux<ChatResponse> upstream = switch (this.mode) {
				case "fail" -> Flux.error(new IllegalStateException("upstream down"));
				case "hang" -> Flux.never();
				case "one-then-hang" -> Flux.concat(Flux.just(answer("first")), Flux.never());
				default -> Flux.just(answer("a"), answer("b"));
			};
			return upstream.doOnCancel(this.cancels::incrementAndGet);
		}

	}

	static class Work {

		@Prioritized(Priority.LOW)
		public String blocking() {
			return "done";
		}

		@Prioritized(Priority.LOW)
		public Flux<String> tokens() {
			return Flux.just("a", "b");
		}

	}

	@RestController
	static class FluxController {

		private final FlakyChatModel model;

		private final Work work;

		FluxController(FlakyChatModel model, Work work) {
			this.model = model;
			this.work = work;
		}

		@GetMapping("/chat")
		Mono<String> chat() {
			return Mono.fromCallable(() -> this.model.call(new Prompt("q")).getResult().getOutput().getText())
				.subscribeOn(Schedulers.boundedElastic());
		}

		@GetMapping(path = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		Flux<String> stream() {
			return this.model.stream(new Prompt("q")).map((r) -> r.getResult().getOutput().getText());
		}

		@Prioritized(Priority.LOW)
		@GetMapping("/prioritized-mono")
		public Mono<String> prioritizedMono() {
			return Mono.just("ok");
		}

		@GetMapping("/prioritized-callable")
		Mono<String> prioritizedCallable() {
			return Mono.fromCallable(this.work::blocking).subscribeOn(Schedulers.boundedElastic());
		}

		@GetMapping("/prioritized-flux")
		Flux<String> prioritizedFlux() {
			return this.work.tokens();
		}

	}

	/** An application's catch-all advice, which must not turn the starter's refusals into 500s. */
	@RestControllerAdvice
	static class CatchAll {

		@ExceptionHandler(Exception.class)
		ResponseEntity<String> any(Exception ex) {
			return ResponseEntity.internalServerError().body("catch-all: " + ex);
		}

	}

}
