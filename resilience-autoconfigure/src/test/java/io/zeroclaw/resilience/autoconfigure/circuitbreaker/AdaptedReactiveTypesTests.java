package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerListener;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A provider's own methods answering a deferred reactive type other than Reactor's (here the JDK's
 * {@code Flow.Publisher} and a bare Reactive Streams {@code Publisher}; a Kotlin {@code Flow} or RxJava types take
 * the same way) are guarded when subscribed to, as a {@code Flux} is, not when the method returns.
 */
class AdaptedReactiveTypesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
		.withBean("publishingProvider", PublishingProvider.class);

	@Test
	void jdkFlowPublisherThatFailsWhenSubscribedShouldCountAsAFailureAndOpenTheBreaker() {
		this.contextRunner.run((context) -> {
			PublishingProvider provider = context.getBean(PublishingProvider.class);
			List<String> outcomes = outcomesOf(context);
			Flow.Publisher<String> answer = provider.chatFlowPublisher("fail");
			assertThat(outcomes).isEmpty();
			assertThatIllegalStateException()
				.isThrownBy(() -> JdkFlowAdapter.flowPublisherToFlux(answer).collectList().block())
				.withMessage("upstream answered 500");
			assertThat(outcomes).containsExactly("failure");
			assertThat(breaker(context).state()).isEqualTo(CircuitState.OPEN);
			int calls = provider.getCalls();
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(
					() -> JdkFlowAdapter.flowPublisherToFlux(provider.chatFlowPublisher("hi")).blockLast());
			assertThat(provider.getCalls()).isEqualTo(calls);
		});
	}

	@Test
	void reactiveStreamsPublisherShouldBeOneCallPerSubscription() {
		this.contextRunner.run((context) -> {
			PublishingProvider provider = context.getBean(PublishingProvider.class);
			List<String> outcomes = outcomesOf(context);
			Publisher<String> answer = provider.chatPublisher("hi");
			assertThat(Flux.from(answer).collectList().block()).containsExactly("echo", "hi");
			assertThat(Flux.from(answer).collectList().block()).containsExactly("echo", "hi");
			assertThat(outcomes).containsExactly("success", "success");
			assertThatIllegalStateException().isThrownBy(() -> Flux.from(provider.chatPublisher("fail")).blockLast());
			assertThat(outcomes).containsExactly("success", "success", "failure");
		});
	}

	private static CircuitBreaker breaker(ApplicationContext context) {
		return context.getBean(CircuitBreakerRegistry.class).find("publishingProvider").orElseThrow();
	}

	private static List<String> outcomesOf(ApplicationContext context) {
		List<String> outcomes = new CopyOnWriteArrayList<>();
		breaker(context).addListener(new CircuitBreakerListener() {

			@Override
			public void onSuccess(CircuitBreaker breaker) {
				outcomes.add("success");
			}

			@Override
			public void onFailure(CircuitBreaker breaker, Throwable failure) {
				outcomes.add("failure");
			}

		});
		return outcomes;
	}

	/** A client whose streaming answers are cold publishers; "fail" makes the upstream answer 500 when subscribed. */
	static class PublishingProvider implements Provider {

		private final AtomicInteger calls = new AtomicInteger();

		/** A bean getter: passed through by the breaker, and answered by the target, not the proxy's own fields. */
		public int getCalls() {
			return this.calls.get();
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "ok";
		}

		public Flow.Publisher<String> chatFlowPublisher(String message) {
			return JdkFlowAdapter.publisherToFlowPublisher(answer(message));
		}

		public Publisher<String> chatPublisher(String message) {
			return answer(message);
		}

		private Flux<String> answer(String message) {
			return Flux.defer(() -> {
				this.calls.incrementAndGet();
				if (message.equals("fail")) {
					return Flux.error(new IllegalStateException("upstream answered 500"));
				}
				return Flux.just("echo", message);
			});
		}

	}

}
