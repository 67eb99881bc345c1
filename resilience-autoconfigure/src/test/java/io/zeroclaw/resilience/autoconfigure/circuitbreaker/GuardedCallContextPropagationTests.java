package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What travels with a call still travels through a breaker: the current observation of a blocking call, the Reactor
 * {@code Context} of a stream, and thread-locals under automatic context propagation.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GuardedCallContextPropagationTests {

	static final ThreadLocal<String> USER = new ThreadLocal<>();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(ModelConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void blockingCallShouldSeeTheCallersObservation() {
		this.runner.run((context) -> {
			ChatModel model = context.getBean(ChatModel.class);
			RecordingModel target = context.getBean(ModelConfiguration.class).model;
			Observation parent = Observation.start("parent", target.registry);
			try (Observation.Scope scope = parent.openScope()) {
				model.call(new Prompt("hi"));
			}
			parent.stop();
			assertThat(target.seen).containsEntry("call.observation", "parent");
		});
	}

	@Test
	void streamShouldSeeTheSubscribersReactorContext() {
		this.runner.run((context) -> {
			ChatModel model = context.getBean(ChatModel.class);
			List<String> users = model.stream(new Prompt("hi"))
				.map((response) -> response.getResult().getOutput().getText())
				.contextWrite(Context.of("user", "alice"))
				.collectList()
				.block(Duration.ofSeconds(10));
			assertThat(users).containsExactly("alice", "alice");
		});
	}

	@Test
	void automaticPropagationShouldRestoreThreadLocalsInTheUpstreamAfterAThreadHop() {
		ContextRegistry.getInstance().registerThreadLocalAccessor("test.user", USER);
		Hooks.enableAutomaticContextPropagation();
		try {
			this.runner.run((context) -> {
				ChatModel model = context.getBean(ChatModel.class);
				RecordingModel target = context.getBean(ModelConfiguration.class).model;
				USER.set("bob");
				List<String> seenDownstream = new CopyOnWriteArrayList<>();
				try {
					model.stream(new Prompt("hi"))
						.doOnNext((response) -> seenDownstream.add(String.valueOf(USER.get())))
						.contextCapture()
						.blockLast(Duration.ofSeconds(10));
				}
				finally {
					USER.remove();
				}
				assertThat(target.seen).containsEntry("stream.upstream.user", "bob");
				assertThat(seenDownstream).containsOnly("bob");
			});
		}
		finally {
			Hooks.disableAutomaticContextPropagation();
			ContextRegistry.getInstance().removeThreadLocalAccessor("test.user");
		}
	}

	@Test
	void automaticPropagationShouldKeepTheCallersThreadLocalsInItsOperatorsWithContextCapture() {
		ContextRegistry.getInstance().registerThreadLocalAccessor("test.user", USER);
		Hooks.enableAutomaticContextPropagation();
		try {
			this.runner.run((context) -> {
				ChatModel model = context.getBean(ChatModel.class);
				List<String> seen = new CopyOnWriteArrayList<>();
				USER.set("carol");
				try {
					// as the README advises: without contextCapture() they are cleared there (the guarded publisher is
					// a boundary where Reactor restores thread-locals from the subscriber's Context)
					model.stream(new Prompt("sync"))
						.doOnNext((response) -> seen.add(String.valueOf(USER.get())))
						.contextCapture()
						.subscribe();
				}
				finally {
					USER.remove();
				}
				assertThat(seen).containsExactly("carol", "carol");
			});
		}
		finally {
			Hooks.disableAutomaticContextPropagation();
			ContextRegistry.getInstance().removeThreadLocalAccessor("test.user");
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class ModelConfiguration {

		final RecordingModel model = new RecordingModel();

		@Bean
		ChatModel chatModel() {
			return this.model;
		}

	}

	static class RecordingModel implements ChatModel {

		final ObservationRegistry registry = ObservationRegistry.create();

		final Map<String, String> seen = new ConcurrentHashMap<>();

		RecordingModel() {
			this.registry.observationConfig().observationHandler((context) -> true);
		}

		@Override
		public ChatResponse call(Prompt prompt) {
			Observation current = this.registry.getCurrentObservation();
			this.seen.put("call.observation", (current != null) ? current.getContext().getName() : "none");
			return new ChatResponse(List.of(new Generation(new AssistantMessage("ok"))));
		}

		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			if ("sync".equals(prompt.getContents())) {
				return Flux.just("a", "b")
					.map((element) -> new ChatResponse(List.of(new Generation(new AssistantMessage(element)))));
			}
			return Flux.deferContextual((context) -> Flux.just("a", "b")
				.publishOn(Schedulers.boundedElastic())
				.doOnNext((element) -> this.seen.put("stream.upstream.user", String.valueOf(USER.get())))
				.map((element) -> new ChatResponse(List.of(new Generation(
						new AssistantMessage(context.getOrDefault("user", "nobody")))))));
		}

	}

}
