package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Shapes of user beans that the breakers' post-processor wraps: records and final classes (proxied by their
 * interfaces), final methods, sealed types, a configuration class that is itself a provider.
 */
class GuardedBeanShapesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1");

	@Test
	void recordOfASealedProviderInterfaceShouldStillBeAProviderOnceGuarded() {
		this.contextRunner.withUserConfiguration(SealedProviderConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Object bean = context.getBean("openAi");
			assertThat(bean).isInstanceOf(Provider.class);
			assertThat(context.getBean(ProviderDirectory.class).providers()).hasSize(1);
		});
	}

	@Test
	void finalUpstreamMethodShouldStillAnswerOnceGuarded() {
		this.contextRunner.withUserConfiguration(FinalMethodConfiguration.class).run((context) -> {
			Provider provider = context.getBean(Provider.class);
			// a subclass proxy could not override the final method, which would run on the proxy's unset fields
			assertThat(provider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("P:hi");
		});
	}

	@Test
	@SuppressWarnings("unchecked")
	void upstreamCallThroughAFunctionalInterfaceShouldBeGuarded() {
		this.contextRunner.withBean("summarizer", FinalFunctionProvider.class, FinalFunctionProvider::new)
			.run((context) -> {
				Function<String, String> summarizer = (Function<String, String>) context.getBean("summarizer");
				assertThatIllegalStateException().isThrownBy(() -> summarizer.apply("a"));
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("summarizer").get().state())
					.isEqualTo(CircuitState.OPEN);
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> summarizer.apply("b"));
			});
	}

	@Test
	void beanMethodsOfAConfigurationThatIsAProviderShouldNeitherBeRefusedNorCounted() {
		this.contextRunner.withUserConfiguration(ProviderConfiguration.class).run((context) -> {
			Provider provider = context.getBean(ProviderConfiguration.class);
			assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("a", "m", 0));
			// the breaker is open: a prototype that the configuration makes is not an upstream call
			assertThat(context.getBean("session")).isNotNull();
		});
	}

	@Test
	void sealedProviderClassShouldBeProxiedByItsInterfacesLikeAFinalOne() {
		this.contextRunner.withBean("sealedProvider", SealedProvider.class, SealedProvider::new)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	sealed interface LlmProvider extends Provider permits OpenAi {

	}

	record OpenAi(String apiKey) implements LlmProvider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "openai";
		}

	}

	record ProviderDirectory(List<Provider> providers) {

	}

	@Configuration(proxyBeanMethods = false)
	static class SealedProviderConfiguration {

		@Bean
		OpenAi openAi() {
			return new OpenAi("key");
		}

		@Bean
		ProviderDirectory providerDirectory(ObjectProvider<Provider> providers) {
			return new ProviderDirectory(providers.orderedStream().toList());
		}

	}

	static class FinalMethodProvider implements Provider {

		private final String prefix;

		FinalMethodProvider(String prefix) {
			this.prefix = prefix;
		}

		@Override
		public final String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return this.prefix.toUpperCase() + message;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FinalMethodConfiguration {

		@Bean
		FinalMethodProvider finalMethodProvider() {
			return new FinalMethodProvider("p:");
		}

	}

	static final class FinalFunctionProvider implements Provider, Function<String, String> {

		private final AtomicInteger upstreamCalls = new AtomicInteger();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			throw new IllegalStateException("upstream answered 500");
		}

		@Override
		public String apply(String text) {
			return chatWithSystem("Summarize.", text, "m", 0);
		}

	}

	@Configuration
	public static class ProviderConfiguration implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			throw new IllegalStateException("upstream answered 500");
		}

		@Bean
		@Scope("prototype")
		public StringBuilder session() {
			return new StringBuilder("session");
		}

	}

	static sealed class SealedProvider implements Provider permits SpecialSealedProvider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "sealed";
		}

	}

	static final class SpecialSealedProvider extends SealedProvider {

	}

}
