package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.provider.Provider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanRegistrar;
import org.springframework.beans.factory.BeanRegistry;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Providers registered in the container's less common ways each get one breaker, named after the bean.
 */
class ContainerRegistrationShapesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void providersOfEveryShapeShouldBeGuardedOnce() {
		this.runner.withUserConfiguration(Shapes.class)
			.withBean("registered", ReplyProvider.class, ReplyProvider::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				// a factory bean's object gets its breaker when first made (README)
				assertThat(registry.breakers()).containsOnlyKeys("fromRegistrar", "registered", "staticProvider",
						"lifecycle");
				context.getBean("made", Provider.class);
				assertThat(registry.breakers()).containsKey("made");
				for (String name : List.of("fromRegistrar", "registered", "staticProvider", "made", "lifecycle")) {
					registry.find(name).orElseThrow().transitionToOpen();
					Provider provider = context.getBean(name, Provider.class);
					assertThatExceptionOfType(CircuitOpenException.class).as(name)
						.isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				}
				Users users = context.getBean(Users.class);
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> users.lazy.simpleChat("hi", "m", 0));
				assertThat(users.all.stream().count()).isEqualTo(5);
				users.all.forEach((provider) -> assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.simpleChat("hi", "m", 0)));
				assertThat(context.getBean("lifecycle", SmartLifecycle.class).isRunning()).isTrue();
			});
	}

	@Configuration(proxyBeanMethods = false)
	@Import(Registrar.class)
	static class Shapes {

		@Bean
		static Provider staticProvider() {
			return new ReplyProvider();
		}

		@Bean
		static FactoryBean<Provider> made() {
			return new FactoryBean<>() {

				@Override
				public Provider getObject() {
					return new ReplyProvider();
				}

				@Override
				public Class<?> getObjectType() {
					return Provider.class;
				}

				@Override
				public boolean isSingleton() {
					return false;
				}

			};
		}

		@Bean
		LifecycleProvider lifecycle() {
			return new LifecycleProvider();
		}

		@Bean
		Users users(@Lazy @org.springframework.beans.factory.annotation.Qualifier("made") Provider lazy,
				ObjectProvider<Provider> all) {
			return new Users(lazy, all);
		}

	}

	record Users(Provider lazy, ObjectProvider<Provider> all) {
	}

	static class Registrar implements BeanRegistrar {

		@Override
		public void register(BeanRegistry registry, Environment env) {
			registry.registerBean("fromRegistrar", ReplyProvider.class);
		}

	}

	public static class ReplyProvider implements Provider {

		@Override
		public String chatWithSystem(@Nullable String systemPrompt, String message, String model,
				double temperature) {
			return "reply";
		}

	}

	static final class LifecycleProvider extends ReplyProvider implements SmartLifecycle {

		private volatile boolean running;

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

	}

}
