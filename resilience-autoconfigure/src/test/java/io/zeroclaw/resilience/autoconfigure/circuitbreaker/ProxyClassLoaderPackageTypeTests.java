package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.ProxyClassLoaderTests.RestartLikeClassLoader;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A public library class whose overridable method takes or returns a type only its package sees: a subclass proxy made
 * in another runtime package (the application's loader) cannot use that type.
 */
public class ProxyClassLoaderPackageTypeTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void publicMethodReturningAPackagePrivateTypeShouldAnswerThroughTheProxy() throws Exception {
		try (RestartLikeClassLoader application = new RestartLikeClassLoader(getClass().getClassLoader())) {
			this.runner.withClassLoader(application)
				.withBean("libraryModel", ProviderWithPackageTypedMethod.class, ProviderWithPackageTypedMethod::new)
				.run((context) -> {
					assertThat(context).hasNotFailed();
					ProviderWithPackageTypedMethod provider = context.getBean("libraryModel",
							ProviderWithPackageTypedMethod.class);
					// a call from the library's own package, as a helper class of the library would make
					assertThat(provider.info().name).isEqualTo("acme-1");
				});
		}
	}

	public static class ProviderWithPackageTypedMethod implements Provider {

		public ProviderWithPackageTypedMethod() {
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return message;
		}

		public ModelInfo info() {
			return new ModelInfo("acme-1");
		}

	}

	/** Only the library's package sees it. */
	static final class ModelInfo {

		final String name;

		ModelInfo(String name) {
			this.name = name;
		}

	}

}
