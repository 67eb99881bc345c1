package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.ChatMessage;
import io.zeroclaw.resilience.provider.ChatRequest;
import io.zeroclaw.resilience.provider.ChatResponse;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The methods the container calls on an upstream bean ({@code @EventListener}, {@code @Scheduled}) are not calls to the
 * upstream: they pass its breaker, open or half-open, and count for nothing.
 */
class ContainerCallbacksThroughBreakerTests {

	private final ClockedBreakers clocked = new ClockedBreakers();

	@Test
	void providerListeningToItsOwnBreakerShouldHearItOpen() {
		this.clocked.runner(SelfWatchingConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				SelfWatchingProvider provider = context.getBean(SelfWatchingProvider.class);
				provider.setDown(true);
				for (int i = 0; i < 2; i++) {
					assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				}
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("selfWatching").get();
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				// the bean's own @EventListener hears CLOSED -> OPEN like any other listener
				assertThat(provider.getHeard()).contains(CircuitState.OPEN);
			});
	}

	@Test
	void deliveringAnEventToAProviderShouldNotBeTheHalfOpenProbe() {
		this.clocked.runner(SelfWatchingConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				SelfWatchingProvider provider = context.getBean(SelfWatchingProvider.class);
				provider.setDown(true);
				for (int i = 0; i < 2; i++) {
					assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				}
				int upstreamCalls = provider.getUpstreamCalls();
				CircuitBreaker breaker = this.clocked.halfOpen(context, "selfWatching");
				// an operator reads the state (actuator endpoint, health, the Prometheus gauge) after recovery-timeout;
				// the upstream is still down and no call has reached it
				CircuitState state = breaker.state();
				assertThat(provider.getUpstreamCalls()).isEqualTo(upstreamCalls);
				// still HALF_OPEN, waiting for a real probe: the delivery of the state change was not one
				assertThat(state).isEqualTo(CircuitState.HALF_OPEN);
				assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
			});
	}

	@Test
	void configurationEventShouldReachAProviderWhoseBreakerIsOpen() {
		this.clocked.runner(SelfWatchingConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				SelfWatchingProvider provider = context.getBean(SelfWatchingProvider.class);
				provider.setDown(true); // say, its API key was revoked
				for (int i = 0; i < 2; i++) {
					assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				}
				// the application rotates the key; the provider picks it up from an event, as it would from a setter
				// delivered, as a setter would be, though the breaker is open
				context.publishEvent(new KeyRotated("sk-new"));
				assertThat(provider.getKey()).isEqualTo("sk-new");
			});
	}

	@Test
	void scheduledMethodShouldRunWhileTheBreakerIsOpenAndCountForNothing() {
		this.clocked.runner(SelfWatchingConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				SelfWatchingProvider provider = context.getBean(SelfWatchingProvider.class);
				provider.setDown(true);
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("selfWatching").get();
				provider.refreshKey();
				assertThat(breaker.consecutiveFailures()).isOne();
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				provider.refreshKey();
				assertThat(provider.getKey()).isEqualTo("sk-refreshed");
			});
	}

	@Test
	void providerImplementingApplicationListenerShouldHearItsBreakerOpen() {
		this.clocked.runner(InterfaceListeningConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				InterfaceListeningProvider provider = context.getBean(InterfaceListeningProvider.class);
				provider.setDown(true);
				for (int i = 0; i < 2; i++) {
					assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				}
				assertThat(provider.getHeard()).containsExactly(CircuitState.OPEN);
			});
	}

	@Test
	void deliveringAnEventToAProviderThatImplementsApplicationListenerShouldNotBeTheHalfOpenProbe() {
		this.clocked.runner(InterfaceListeningConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				InterfaceListeningProvider provider = context.getBean(InterfaceListeningProvider.class);
				CircuitBreaker breaker = this.clocked.halfOpen(context, "interfaceListening");
				assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
				assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
				assertThat(provider.getHeard()).endsWith(CircuitState.HALF_OPEN);
			});
	}

	@Test
	void upstreamMethodAlsoAnnotatedForTheContainerShouldStayGuarded() {
		this.clocked.runner(AnnotatedUpstreamConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				AnnotatedUpstreamProvider provider = context.getBean(AnnotatedUpstreamProvider.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("annotatedUpstream").get();
				// chat(ChatRequest), an upstream method and an @EventListener: its failures count
				provider.setDown(true);
				ChatRequest request = new ChatRequest(List.of(ChatMessage.user("hi")), List.of(), "m", 0);
				for (int i = 0; i < 2; i++) {
					assertThatIllegalStateException().isThrownBy(() -> provider.chat(request));
				}
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				// warmup(), an upstream method and @Scheduled: refused while open
				int calls = provider.getUpstreamCalls();
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(provider::warmup);
				assertThat(provider.getUpstreamCalls()).isEqualTo(calls);
			});
	}

	record KeyRotated(String key) {
	}

	@Configuration(proxyBeanMethods = false)
	static class SelfWatchingConfiguration {

		@Bean
		SelfWatchingProvider selfWatching() {
			return new SelfWatchingProvider();
		}

	}

	public static class SelfWatchingProvider implements Provider {

		volatile boolean down;

		final AtomicInteger upstreamCalls = new AtomicInteger();

		final List<CircuitState> heard = new CopyOnWriteArrayList<>();

		volatile String key = "sk-old";

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			if (this.down) {
				throw new IllegalStateException("upstream 500");
			}
			return "ok";
		}

		@EventListener
		public void onKeyRotated(KeyRotated event) {
			this.key = event.key();
		}

		@Scheduled(fixedDelay = 1, timeUnit = TimeUnit.HOURS)
		public void refreshKey() {
			this.key = "sk-refreshed";
		}

		public String getKey() {
			return this.key;
		}

		public void setDown(boolean down) {
			this.down = down;
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

		public List<CircuitState> getHeard() {
			return this.heard;
		}

		@EventListener
		public void onBreaker(CircuitBreakerStateChangedEvent event) {
			if (event.getBreakerName().equals("selfWatching")) {
				this.heard.add(event.getTo());
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class InterfaceListeningConfiguration {

		@Bean
		InterfaceListeningProvider interfaceListening() {
			return new InterfaceListeningProvider();
		}

	}

	public static class InterfaceListeningProvider extends SelfWatchingProvider
			implements ApplicationListener<CircuitBreakerStateChangedEvent> {

		@Override
		public void onApplicationEvent(CircuitBreakerStateChangedEvent event) {
			if (event.getBreakerName().equals("interfaceListening")) {
				this.heard.add(event.getTo());
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AnnotatedUpstreamConfiguration {

		@Bean
		AnnotatedUpstreamProvider annotatedUpstream() {
			return new AnnotatedUpstreamProvider();
		}

	}

	public static class AnnotatedUpstreamProvider extends SelfWatchingProvider {

		@Override
		@Scheduled(fixedDelay = 1, timeUnit = TimeUnit.HOURS)
		public void warmup() {
			this.upstreamCalls.incrementAndGet(); // opens a connection to the upstream
		}

		@Override
		@EventListener
		public ChatResponse chat(ChatRequest request) {
			return ChatResponse.ofText(chatWithSystem(null, "x", request.model(), request.temperature()));
		}

	}

}
