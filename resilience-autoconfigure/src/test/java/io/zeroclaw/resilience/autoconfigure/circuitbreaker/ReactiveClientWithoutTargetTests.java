package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.target.EmptyTargetSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A reactive client proxy with no bean behind it (a Spring HTTP interface on a {@code WebClient}): its advice makes
 * the call and answers the {@code Mono}. Each subscription runs that advice again, after the breaker's.
 */
class ReactiveClientWithoutTargetTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	private final AtomicInteger upstreamCalls = new AtomicInteger();

	private final AtomicBoolean down = new AtomicBoolean();

	@Test
	void monoOfAClientWithoutTargetShouldAnswerAndItsFailuresShouldCount() {
		this.breakers.runner()
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.withBean("reactiveClient", ReactiveClient.class, this::client)
			.run((context) -> {
				ReactiveClient client = context.getBean(ReactiveClient.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
					.find("reactiveClient")
					.orElseThrow();
				assertThat(client.ask("hello").block()).isEqualTo("answer to hello");
				this.down.set(true);
				Mono<String> failing = client.ask("hello");
				for (int i = 0; i < 2; i++) {
					assertThatIllegalStateException().isThrownBy(failing::block).withMessage("upstream answered 503");
				}
				assertThat(this.upstreamCalls).hasValue(3);
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
			});
	}

	private ReactiveClient client() {
		ProxyFactory factory = new ProxyFactory();
		factory.addInterface(ReactiveClient.class);
		factory.setTargetSource(EmptyTargetSource.forClass(ReactiveClient.class));
		factory.addAdvice((MethodInterceptor) (invocation) -> {
			String question = (String) invocation.getArguments()[0];
			return Mono.fromSupplier(() -> {
				this.upstreamCalls.incrementAndGet();
				if (this.down.get()) {
					throw new IllegalStateException("upstream answered 503");
				}
				return "answer to " + question;
			});
		});
		return (ReactiveClient) factory.getProxy();
	}

	/** A client interface: the provider's blocking call, and a reactive one of its own. */
	public interface ReactiveClient extends Provider {

		Mono<String> ask(String question);

		@Override
		default String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return ask(message).block();
		}

	}

}
