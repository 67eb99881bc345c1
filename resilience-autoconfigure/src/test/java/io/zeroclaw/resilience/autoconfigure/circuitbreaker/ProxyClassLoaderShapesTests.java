package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.ProxyClassLoaderTests.RestartLikeClassLoader;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shapes of a library class (loaded by a loader that outlives the application, as under DevTools) that are still
 * proxied in the class's own loader: one made in the application's would be in another runtime package, which can
 * neither implement a non-public interface, nor override a package-private method, nor use a type only the class's
 * package sees in the methods it overrides.
 */
public class ProxyClassLoaderShapesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void publicClassExtendingAPackagePrivateBaseShouldStillAnswerThroughItsBreaker() throws Exception {
		try (RestartLikeClassLoader application = new RestartLikeClassLoader(getClass().getClassLoader())) {
			this.runner.withClassLoader(application)
				.withBean("libraryModel", PublicProviderOnPackageBase.class, PublicProviderOnPackageBase::new)
				.run((context) -> {
					assertThat(context).hasNotFailed();
					Provider provider = context.getBean("libraryModel", Provider.class);
					assertThat(provider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("hi");
				});
		}
	}

	@Test
	void finalClassWithAPackagePrivateInterfaceShouldStillBeProxied() throws Exception {
		try (RestartLikeClassLoader application = new RestartLikeClassLoader(getClass().getClassLoader())) {
			this.runner.withClassLoader(application)
				.withBean("libraryModel", FinalProviderWithPackageInterface.class,
						FinalProviderWithPackageInterface::new)
				.run((context) -> {
					assertThat(context).hasNotFailed();
					Provider provider = context.getBean("libraryModel", Provider.class);
					assertThat(provider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("hi");
				});
		}
	}

	@Test
	void packagePrivateMethodCalledFromItsOwnPackageShouldReachTheBean() throws Exception {
		try (RestartLikeClassLoader application = new RestartLikeClassLoader(getClass().getClassLoader())) {
			this.runner.withClassLoader(application)
				.withBean("libraryModel", ProviderWithPackageMethod.class, ProviderWithPackageMethod::new)
				.run((context) -> {
					assertThat(context).hasNotFailed();
					ProviderWithPackageMethod provider = context.getBean("libraryModel", ProviderWithPackageMethod.class);
					// a call from the library's own package, as a helper class of the library would make
					assertThat(provider.model()).isEqualTo("acme-1");
				});
		}
	}

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

	/** A library's base class that only its package sees, holding the upstream call. */
	abstract static class PackageBase implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return message;
		}

	}

	public static class PublicProviderOnPackageBase extends PackageBase {

		public PublicProviderOnPackageBase() {
		}

	}

	interface PackageMarker {

	}

	public static final class FinalProviderWithPackageInterface implements Provider, PackageMarker {

		public FinalProviderWithPackageInterface() {
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return message;
		}

	}

	public static class ProviderWithPackageMethod implements Provider {

		private final String model;

		public ProviderWithPackageMethod() {
			this.model = "acme-1";
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return message;
		}

		String model() {
			return this.model;
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
