package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A synchronous call (a model's blocking call that runs an agent loop) streams from the same bean through its proxy
 * (part of the call: it subscribes on the call's thread) and, from its own {@code doOnNext}, calls the same bean
 * back. That call back is the outer synchronous call's body (README: "That code is a synchronous call's body"), so it
 * must run under the outer call's permission, as it does when the streamed publisher is guarded by another breaker,
 * or when it is made after the stream ends.
 */
class SameBreakerStreamInsideHeldCallTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	// one probe (the default): the outer blocking call takes it, and the stream it reads is part of it
	private final ApplicationContextRunner contextRunner = this.breakers.runner(AgentConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=1");

	@Test
	void callBackFromTheOuterCallsOperatorOnASameBreakerStreamShouldRunUnderTheOuterPermission() {
		this.contextRunner.run((context) -> {
			ChatModel agent = context.getBean("agentModel", ChatModel.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "agentModel");
			assertThat(text(agent.call(new Prompt("agent:self-stream"))))
				.isEqualTo("done after 1 tool calls, 0 refused");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void controlCallBackFromTheOuterCallsOperatorOnAnotherBreakersStreamRunsUnderTheOuterPermission() {
		this.contextRunner.run((context) -> {
			ChatModel agent = context.getBean("agentModel", ChatModel.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "agentModel");
			assertThat(text(agent.call(new Prompt("agent:other-stream"))))
				.isEqualTo("done after 1 tool calls, 0 refused");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void controlCallBackAfterTheSameBreakerStreamEndedRunsUnderTheOuterPermission() {
		this.contextRunner.run((context) -> {
			ChatModel agent = context.getBean("agentModel", ChatModel.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "agentModel");
			assertThat(text(agent.call(new Prompt("agent:self-stream-then-call"))))
				.isEqualTo("done after 1 tool calls, 0 refused");
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void callBackFromAGuardedFluxsOwnOperatorOnASameBreakerStreamShouldRunUnderThatFluxsPermission() {
		this.contextRunner.run((context) -> {
			ChatModel agent = context.getBean("agentModel", ChatModel.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "agentModel");
			assertThat(text(agent.stream(new Prompt("agent:self-stream")).blockLast()))
				.isEqualTo("done after 1 tool calls, 0 refused");
		});
	}

	@Test
	void controlCallBackFromAGuardedFluxsOwnOperatorOnAnotherBreakersStreamRunsUnderThatFluxsPermission() {
		this.contextRunner.run((context) -> {
			ChatModel agent = context.getBean("agentModel", ChatModel.class);
			CircuitBreaker breaker = this.breakers.halfOpen(context, "agentModel");
			assertThat(text(agent.stream(new Prompt("agent:other-stream")).blockLast()))
				.isEqualTo("done after 1 tool calls, 0 refused");
		});
	}

	private static String text(ChatResponse response) {
		return response.getResult().getOutput().getText();
	}

	@Configuration(proxyBeanMethods = false)
	static class AgentConfiguration {

		@Bean
		AgentModel agentModel(BeanFactory beans) {
			return new AgentModel(beans);
		}

		@Bean
		PlannerModel plannerModel() {
			return new PlannerModel();
		}

	}

	static class AgentModel implements ChatModel {

		private final BeanFactory beans;

		AgentModel(BeanFactory beans) {
			this.beans = beans;
		}

		private ChatModel self() {
			// the application context's bean: the breaker's proxy
			return this.beans.getBean("agentModel", ChatModel.class);
		}

		@Override
		public ChatResponse call(Prompt prompt) {
			String text = prompt.getContents();
			if (!text.startsWith("agent:")) {
				return reply("tool answer");
			}
			ChatModel self = self();
			ChatModel planner = this.beans.getBean("plannerModel", ChatModel.class);
			Tools tools = new Tools(self);
			switch (text) {
				case "agent:self-stream" ->
					self.stream(new Prompt("plan")).doOnNext((step) -> tools.run()).blockLast();
				case "agent:other-stream" ->
					planner.stream(new Prompt("plan")).doOnNext((step) -> tools.run()).blockLast();
				default -> {
					self.stream(new Prompt("plan")).blockLast();
					tools.run();
				}
			}
			return reply(tools.toString());
		}

		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			String text = prompt.getContents();
			if (!text.startsWith("agent:")) {
				return Flux.just(reply("step"));
			}
			// the publisher's own code, run when asked for elements: each step of a plan streamed from a model runs
			// a tool that asks this model again
			ChatModel source = text.equals("agent:self-stream") ? self()
					: this.beans.getBean("plannerModel", ChatModel.class);
			Tools tools = new Tools(self());
			return source.stream(new Prompt("plan")).map((step) -> {
				tools.run();
				return reply(tools.toString());
			});
		}

	}

	/** Runs the tool (a blocking call back into the agent model, through its proxy) and notes how that went. */
	static final class Tools {

		private final ChatModel self;

		private int ran;

		private int refused;

		Tools(ChatModel self) {
			this.self = self;
		}

		void run() {
			try {
				this.self.call(new Prompt("tool"));
				this.ran++;
			}
			catch (CircuitOpenException ex) {
				this.refused++;
			}
		}

		@Override
		public String toString() {
			return "done after " + this.ran + " tool calls, " + this.refused + " refused";
		}

	}

	static class PlannerModel implements ChatModel {

		@Override
		public ChatResponse call(Prompt prompt) {
			return reply("plan");
		}

		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			return Flux.just(reply("step"));
		}

	}

	static ChatResponse reply(String text) {
		return new ChatResponse(List.of(new Generation(new AssistantMessage(text))));
	}

}
