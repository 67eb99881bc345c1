package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.constraints.NotBlank;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.target.EmptyTargetSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.annotation.PostExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Providers that are Spring AOP proxies already: the breaker joins their advice next to the bean, so it counts and
 * refuses only calls that reach the upstream.
 */
class ProxiedProviderCircuitBreakerTests {

	private static final Duration RECOVERY = Duration.ofSeconds(30);

	private static final AtomicLong clock = new AtomicLong();

	private static MockWebServer server;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(ClockConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=2",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=" + RECOVERY.toSeconds() + "s");

	@BeforeEach
	void startServer() throws Exception {
		server = UpstreamServer.start();
	}

	@AfterEach
	void stopServer() {
		server.close();
	}

	@Test
	void httpInterfaceProviderShouldCountACallThroughADefaultMethodOnce() {
		// simpleChat is a default method: the client's proxy runs it on itself, and its chatWithSystem comes back
		// through the proxy
		this.contextRunner.withUserConfiguration(HttpInterfaceConfiguration.class).run((context) -> {
			Provider provider = context.getBean("httpProvider", Provider.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("httpProvider").orElseThrow();
			server.enqueue(new MockResponse.Builder().code(500).body("overloaded").build());
			assertThatException().isThrownBy(() -> provider.simpleChat("Hello", "m", 0))
				.isNotInstanceOf(CircuitOpenException.class);
			assertThat(server.getRequestCount()).isEqualTo(1);
			assertThat(breaker.consecutiveFailures()).isEqualTo(1);
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void httpInterfaceProviderShouldProbeThroughADefaultMethod() {
		this.contextRunner.withUserConfiguration(HttpInterfaceConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.half-open-max-requests=1")
			.run((context) -> {
				Provider provider = context.getBean("httpProvider", Provider.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
					.find("httpProvider")
					.orElseThrow();
				breaker.transitionToOpen();
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.simpleChat("Hello", "m", 0));
				clock.addAndGet(RECOVERY.toNanos());
				server.enqueue(new MockResponse.Builder().code(200).body("Hello back").build());
				assertThat(provider.simpleChat("Hello", "m", 0)).isEqualTo("Hello back");
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
				assertThat(server.getRequestCount()).isEqualTo(1);
			});
	}

	@Test
	void proxyWithATypedEmptyTargetSourceShouldBeGuardedBeforeTheAdviceThatAnswers() {
		// a client proxy with no bean behind it, as ProxyFactory.setTargetClass(iface) makes one
		this.contextRunner.withBean("clientProxy", Provider.class, () -> {
			ProxyFactory factory = new ProxyFactory();
			factory.addInterface(Provider.class);
			factory.setTargetSource(EmptyTargetSource.forClass(Provider.class));
			factory.addAdvice((MethodInterceptor) (invocation) -> {
				throw new IllegalStateException("upstream down");
			});
			return (Provider) factory.getProxy();
		}).run((context) -> {
			Provider provider = context.getBean(Provider.class);
			for (int i = 0; i < 2; i++) {
				assertThatIllegalStateException().isThrownBy(() -> provider.chatWithSystem(null, "a", "m", 0));
			}
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> provider.chatWithSystem(null, "a", "m", 0));
		});
	}

	@Test
	void cacheHitsShouldNotBeCountedAsSuccesses() {
		this.contextRunner.withUserConfiguration(CachingConfiguration.class).run((context) -> {
			Provider provider = context.getBean("cachedProvider", Provider.class);
			Upstream upstream = context.getBean(Upstream.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("cachedProvider").orElseThrow();
			assertThat(provider.chatWithSystem(null, "popular", "m", 0)).isEqualTo("reply to popular");
			upstream.failing().set(true);
			for (int i = 0; i < 2; i++) {
				String fresh = "fresh " + i;
				assertThatException().isThrownBy(() -> provider.chatWithSystem(null, fresh, "m", 0))
					.isNotInstanceOf(CircuitOpenException.class);
				// answered from the cache: says nothing of the upstream, so the failures stay consecutive
				assertThat(provider.chatWithSystem(null, "popular", "m", 0)).isEqualTo("reply to popular");
			}
			assertThat(upstream.calls()).hasValue(3);
			assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
		});
	}

	@Test
	void cacheHitShouldBeAnsweredWhileTheBreakerIsOpenAndNotCloseItWhenHalfOpen() {
		this.contextRunner.withUserConfiguration(CachingConfiguration.class).run((context) -> {
			Provider provider = context.getBean("cachedProvider", Provider.class);
			Upstream upstream = context.getBean(Upstream.class);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("cachedProvider").orElseThrow();
			provider.chatWithSystem(null, "popular", "m", 0);
			breaker.transitionToOpen();
			assertThat(provider.chatWithSystem(null, "popular", "m", 0)).isEqualTo("reply to popular");
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> provider.chatWithSystem(null, "new", "m", 0));
			clock.addAndGet(RECOVERY.toNanos());
			assertThat(provider.chatWithSystem(null, "popular", "m", 0)).isEqualTo("reply to popular");
			assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
			assertThat(upstream.calls()).hasValue(1);
		});
	}

	@Test
	void invalidArgumentsRefusedByMethodValidationShouldNotCountNorBeRefusedByTheBreaker() {
		// Boot's validation post-processor runs after the breaker's, with the same order, and appends its advice
		this.contextRunner.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
			.withUserConfiguration(ValidatedConfiguration.class)
			.run((context) -> {
				ValidatedProvider provider = context.getBean(ValidatedProvider.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
					.find("validatedProvider")
					.orElseThrow();
				for (int i = 0; i < 3; i++) {
					assertThatExceptionOfType(ConstraintViolationException.class)
						.isThrownBy(() -> provider.ask(" "));
				}
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
				assertThat(breaker.consecutiveFailures()).isZero();
				Upstream upstream = context.getBean(Upstream.class);
				assertThat(provider.ask("Hello")).isEqualTo("reply to Hello");
				assertThat(upstream.calls()).hasValue(1);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class ClockConfiguration {

		@Bean
		CircuitBreakerFactory circuitBreakerFactory(ResilienceProperties properties) {
			return new PropertiesCircuitBreakerFactory(properties.getCircuitBreaker(), getClass().getClassLoader(),
					clock::get);
		}

	}

	/** A provider declared as a Spring HTTP interface: a proxy with no target, whose advice makes the call. */
	public interface HttpProvider extends Provider {

		@Override
		@PostExchange("/chat")
		String chatWithSystem(@RequestParam(required = false) String systemPrompt, @RequestParam String message,
				@RequestParam String model, @RequestParam double temperature);

	}

	@Configuration(proxyBeanMethods = false)
	static class HttpInterfaceConfiguration {

		@Bean
		HttpProvider httpProvider() {
			RestClient client = RestClient.create(server.url("/").toString());
			return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(client))
				.build()
				.createClient(HttpProvider.class);
		}

	}

	/** What the cached provider's upstream did, and whether it fails. */
	record Upstream(AtomicInteger calls, AtomicBoolean failing) {

	}

	public static class CachedProvider implements Provider {

		private final Upstream upstream;

		CachedProvider(Upstream upstream) {
			this.upstream = upstream;
		}

		@Override
		@Cacheable("replies")
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstream.calls().incrementAndGet();
			if (this.upstream.failing().get()) {
				throw new IllegalStateException("upstream answered 500");
			}
			return "reply to " + message;
		}

	}

	@Validated
	public static class ValidatedProvider implements Provider {

		private final Upstream upstream;

		ValidatedProvider(Upstream upstream) {
			this.upstream = upstream;
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstream.calls().incrementAndGet();
			return "reply to " + message;
		}

		/** A call of the implementation's own, guarded as the interface's are; its argument is validated. */
		public String ask(@NotBlank String question) {
			return chatWithSystem(null, question, "m", 0);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ValidatedConfiguration {

		@Bean
		Upstream upstream() {
			return new Upstream(new AtomicInteger(), new AtomicBoolean());
		}

		@Bean
		ValidatedProvider validatedProvider(Upstream upstream) {
			return new ValidatedProvider(upstream);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class CachingConfiguration {

		@Bean
		CacheManager cacheManager() {
			return new ConcurrentMapCacheManager("replies");
		}

		@Bean
		Upstream upstream() {
			return new Upstream(new AtomicInteger(), new AtomicBoolean());
		}

		@Bean
		CachedProvider cachedProvider(Upstream upstream) {
			return new CachedProvider(upstream);
		}

	}

}
