package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.ref.WeakReference;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.test.context.support.TestPropertySourceUtils;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Breakers shared by several contexts (a parent's, used by its children) have each state change logged once, by a
 * context still listening, and nothing static keeps a context alive.
 */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class StateChangePublisherSharedBreakerTests {

	/**
	 * A sibling closes while the shared breaker opens on another thread: whichever way the two interleave, the
	 * opening is logged, once. Here the closing sibling is held where it is about to stop listening.
	 */
	@Test
	void anOpeningWhileTheFirstSiblingClosesShouldBeLoggedOnce(CapturedOutput output) throws Exception {
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
			parent.registerBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::new);
			parent.refresh();
			ApplicationContextRunner children = children(parent);
			children.run((first) -> children.run((second) -> {
				CircuitBreaker breaker = parent.getBean(CircuitBreakerRegistry.class).find("failingProvider").get();
				Object listeners = ReflectionTestUtils.getField(CircuitBreakerStateChangePublisher.class, "LISTENERS");
				Thread closing = new Thread(first::close, "closing-first");
				synchronized (listeners) {
					closing.start();
					await().atMost(Duration.ofSeconds(10)).until(() -> closing.getState() == Thread.State.BLOCKED);
					// the breaker opens now, on this thread (a request thread of the running sibling)
					assertThatIllegalStateException()
						.isThrownBy(() -> second.getBean(Provider.class).simpleChat("hello", "model", 0.0));
				}
				closing.join(10_000);
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				assertThat(output.getOut().split("Circuit breaker 'failingProvider' opened", -1))
					.as("WARN lines for the opening of the shared breaker, and one more part").hasSize(2);
			}));
		}
	}

	@Test
	void anOpeningAfterTheFirstSiblingClosedShouldBeLogged(CapturedOutput output) {
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
			parent.registerBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::new);
			parent.refresh();
			ApplicationContextRunner children = children(parent);
			children.run((first) -> children.run((second) -> {
				first.close();
				assertThatIllegalStateException()
					.isThrownBy(() -> second.getBean(Provider.class).simpleChat("hello", "model", 0.0));
				assertThat(output.getOut()).contains("Circuit breaker 'failingProvider' opened");
			}));
		}
	}

	@Test
	void anOpeningAfterOneOfThreeSiblingsClosedShouldBeLoggedOnce(CapturedOutput output) {
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext()) {
			parent.registerBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::new);
			parent.refresh();
			ApplicationContextRunner children = children(parent);
			children.run((first) -> children.run((second) -> children.run((third) -> {
				first.close();
				assertThatIllegalStateException()
					.isThrownBy(() -> third.getBean(Provider.class).simpleChat("hello", "model", 0.0));
				assertThat(output.getOut().split("Circuit breaker 'failingProvider' opened", -1))
					.as("WARN lines for the opening of the shared breaker, and one more part").hasSize(2);
			})));
		}
	}

	/**
	 * A context dropped without being closed is collected with its breakers and listeners: what the starter keeps
	 * statically (to log a shared breaker's changes once, to bind it to a meter registry once) refers to it weakly.
	 */
	@Test
	void contextDroppedWithoutBeingClosedShouldBeCollected() {
		WeakReference<ConfigurableApplicationContext> dropped = startAndDrop();
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
			System.gc();
			return dropped.get() == null;
		});
	}

	private static WeakReference<ConfigurableApplicationContext> startAndDrop() {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		TestPropertySourceUtils.addInlinedPropertiesToEnvironment(context,
				"zeroclaw.resilience.circuit-breaker.enabled=true");
		context.registerBean(MeterRegistry.class, SimpleMeterRegistry::new);
		context.register(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class,
				SharedBreakerRegistryRestartTests.FailingProviderConfiguration.class);
		context.refresh();
		assertThat(context.getBean(CircuitBreakerRegistry.class).breakers()).containsKey("failingProvider");
		return new WeakReference<>(context);
	}

	private static ApplicationContextRunner children(AnnotationConfigApplicationContext parent) {
		return new ApplicationContextRunner().withParent(parent)
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withUserConfiguration(SharedBreakerRegistryRestartTests.FailingProviderConfiguration.class)
			.withBean(CircuitBreakerRegistry.class, () -> parent.getBean(CircuitBreakerRegistry.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.failure-threshold=1");
	}

}
