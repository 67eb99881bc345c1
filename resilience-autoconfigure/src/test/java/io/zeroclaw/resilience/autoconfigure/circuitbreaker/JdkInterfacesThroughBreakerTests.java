package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The JDK's interfaces on an upstream bean: its work methods ({@code Callable.call}, {@code Runnable.run}) are asked
 * for work that may reach the upstream, and are refused while the breaker is open; {@code AutoCloseable.close} shuts
 * the bean down, and must reach it whatever the breaker's state, or its client is never closed.
 */
class JdkInterfacesThroughBreakerTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	@Test
	void callableAndRunnableWorkShouldBeRefusedWhileTheBreakerIsOpen() {
		this.breakers.runner(PollerConfiguration.class).run((context) -> {
			Poller poller = context.getBean(Poller.class);
			context.getBean(CircuitBreakerRegistry.class).find("poller").orElseThrow().transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(poller::call);
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(poller::run);
			assertThat(poller.getUpstreamCalls()).isZero();
		});
	}

	@Test
	void closeShouldReachABeanWhoseBreakerIsOpen() {
		this.breakers.runner(PollerConfiguration.class).run((context) -> {
			Poller poller = context.getBean(Poller.class);
			context.getBean(CircuitBreakerRegistry.class).find("poller").orElseThrow().transitionToOpen();
			poller.close();
			assertThat(poller.isClosed()).isTrue();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class PollerConfiguration {

		@Bean
		Poller poller() {
			return new Poller();
		}

	}

	public static class Poller implements Provider, Callable<String>, Runnable, AutoCloseable {

		private final AtomicInteger upstreamCalls = new AtomicInteger();

		private final AtomicBoolean closed = new AtomicBoolean();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			return "answer to " + message;
		}

		@Override
		public String call() {
			return chatWithSystem(null, "poll", "m", 0);
		}

		@Override
		public void run() {
			chatWithSystem(null, "poll", "m", 0);
		}

		@Override
		public void close() {
			this.closed.set(true);
		}

		public boolean isClosed() {
			return this.closed.get();
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

	}

}
