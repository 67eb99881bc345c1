package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.net.URL;
import java.net.URLClassLoader;
import java.security.ProtectionDomain;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.SmartClassLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The breaker's proxy class is made in the application's class loader, not in the loader of the bean's class: a
 * library class (a Spring AI model) lives in a loader that outlives the application, so a proxy class made there
 * would hold a restarted application's loader (Spring Boot DevTools' restart loader, as this child loader stands for)
 * for as long as the JVM runs, one more with each restart.
 */
public class ProxyClassLoaderTests {

	@Test
	void proxyOfABeanWhoseClassLivesInAParentLoaderShouldBeMadeInTheApplicationsLoader() throws Exception {
		try (RestartLikeClassLoader application = new RestartLikeClassLoader(getClass().getClassLoader())) {
			new ApplicationContextRunner().withClassLoader(application)
				.withConfiguration(
						AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
				.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
				.withBean("libraryModel", LibraryProvider.class, LibraryProvider::new)
				.run((context) -> {
					assertThat(context).hasNotFailed();
					Object provider = context.getBean("libraryModel");
					assertThat(AopUtils.isCglibProxy(provider)).isTrue();
					assertThat(LibraryProvider.class.getClassLoader()).isNotSameAs(application);
					assertThat(provider.getClass().getClassLoader()).isSameAs(application);
					assertThat(((Provider) provider).simpleChat("hi", "m", 0)).isEqualTo("hi");
				});
		}
	}

	@Test
	void proxyOfAPackagePrivateClassInAParentLoaderShouldStillBeMadeInThatLoader() throws Exception {
		try (RestartLikeClassLoader application = new RestartLikeClassLoader(getClass().getClassLoader())) {
			new ApplicationContextRunner().withClassLoader(application)
				.withConfiguration(
						AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
				.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
				.withBean("packageModel", PackagePrivateProvider.class, PackagePrivateProvider::new)
				.run((context) -> {
					assertThat(context).hasNotFailed();
					Object provider = context.getBean("packageModel");
					assertThat(AopUtils.isCglibProxy(provider)).isTrue();
					assertThat(provider.getClass().getClassLoader()).isSameAs(getClass().getClassLoader());
					assertThat(((Provider) provider).simpleChat("hi", "m", 0)).isEqualTo("hi");
				});
		}
	}

	/** Stands for a library's provider class, loaded by the class loader that outlives the application. */
	public static class LibraryProvider implements Provider {

		public LibraryProvider() {
		}


		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return message;
		}

	}

	/** Only its own package may subclass it. */
	static class PackagePrivateProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return message;
		}

	}

	/**
	 * Stands for DevTools' restart loader: a child of the base loader that defines classes for Spring, public as
	 * Spring's class generation calls {@code publicDefineClass} reflectively (hence this test class is public too).
	 */
	public static final class RestartLikeClassLoader extends URLClassLoader implements SmartClassLoader {

		RestartLikeClassLoader(ClassLoader parent) {
			super(new URL[0], parent);
		}

		@Override
		public Class<?> publicDefineClass(String name, byte[] b, ProtectionDomain protectionDomain) {
			return defineClass(name, b, 0, b.length, protectionDomain);
		}

	}

}
