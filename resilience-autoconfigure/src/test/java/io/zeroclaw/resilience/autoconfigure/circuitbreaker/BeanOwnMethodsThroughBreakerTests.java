package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.converter.Converter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The upstream bean's own methods: those that may call the upstream (a work interface's, JDK's or Spring's, a public
 * method of its own) are guarded; a record-style accessor, which answers from a field, is not.
 */
class BeanOwnMethodsThroughBreakerTests {

	private final ClockedBreakers clocked = new ClockedBreakers();

	@Test
	void workMethodsOfGenericInterfacesShouldStayGuarded() {
		this.clocked.runner(TranslatorConfiguration.class).run((context) -> {
			TranslatingProvider provider = context.getBean(TranslatingProvider.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("translator").get();
			breaker.transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> provider.apply("hello"));
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> provider.convert("hello"));
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> provider.translate("hello"));
			assertThat(provider.getUpstreamCalls()).isZero();
		});
	}

	@Test
	void recordStyleAccessorShouldPassTheBreakerAndCountForNothing() {
		this.clocked.runner(TranslatorConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				TranslatingProvider provider = context.getBean(TranslatingProvider.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("translator").get();
				provider.setDown(true);
				for (int i = 0; i < 2; i++) {
					assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
					// logging which model answered, between failures: no success that resets them
					assertThat(provider.modelName()).isEqualTo("acme-large");
				}
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				assertThat(provider.modelName()).isEqualTo("acme-large");
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class TranslatorConfiguration {

		@Bean
		TranslatingProvider translator() {
			return new TranslatingProvider();
		}

	}

	public static class TranslatingProvider implements Provider, Converter<String, String>, Function<String, String> {

		private final AtomicInteger upstreamCalls = new AtomicInteger();

		private final String modelName = "acme-large";

		volatile boolean down;

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			if (this.down) {
				throw new IllegalStateException("upstream 500");
			}
			return "translated " + message;
		}

		public void setDown(boolean down) {
			this.down = down;
		}

		public String modelName() {
			return this.modelName;
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

		public String translate(String source) {
			return chatWithSystem("Translate to French", source, this.modelName, 0);
		}

		@Override
		public String convert(String source) {
			return translate(source);
		}

		@Override
		public String apply(String source) {
			return translate(source);
		}

	}

}
