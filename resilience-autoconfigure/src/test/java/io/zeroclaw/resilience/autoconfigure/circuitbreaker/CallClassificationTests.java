package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.aop.support.AopUtils;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.convert.converter.Converter;
import org.springframework.util.function.ThrowingFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Which calls of an upstream bean its breaker guards, through the ways the application and the container make them:
 * work methods (a Spring work interface, a lazy accessor, {@code compareTo}) are guarded; the container's calls pass,
 * and a bean proxied by its interfaces that hides them from the container stops start-up.
 */
class CallClassificationTests {

	private final ClockedBreakers clocked = new ClockedBreakers();

	@Test
	void converterCalledThroughItsInterfaceShouldStayGuarded() {
		this.clocked.runner(Config.class).run((context) -> {
			WorkProvider provider = context.getBean(WorkProvider.class);
			context.getBean(CircuitBreakerRegistry.class).find("work").get().transitionToOpen();
			Converter<String, String> converter = provider;
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> converter.convert("hello"));
			assertThat(provider.getUpstreamCalls()).isZero();
		});
	}

	@Test
	void finalClassConverterShouldStayGuarded() {
		this.clocked.runner(Config.class).run((context) -> {
			@SuppressWarnings("unchecked")
			Converter<String, String> converter = context.getBean("finalWork", Converter.class);
			context.getBean(CircuitBreakerRegistry.class).find("finalWork").get().transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> converter.convert("hello"));
			assertThat(FinalWorkProvider.UPSTREAM.get()).isZero();
		});
	}

	@Test
	void throwingFunctionApplyShouldStayGuarded() {
		this.clocked.runner(Config.class).run((context) -> {
			ThrowingWorkProvider provider = context.getBean(ThrowingWorkProvider.class);
			context.getBean(CircuitBreakerRegistry.class).find("throwingWork").get().transitionToOpen();
			Function<String, String> function = provider;
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> function.apply("hello"));
			assertThat(provider.getUpstreamCalls()).isZero();
		});
	}

	@Test
	void lazyAccessorThatFetchesShouldBeRefusedWhileOpen() {
		this.clocked.runner(Config.class).run((context) -> {
			WorkProvider provider = context.getBean(WorkProvider.class);
			context.getBean(CircuitBreakerRegistry.class).find("work").get().transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(provider::models);
			assertThat(provider.getUpstreamCalls()).isZero();
		});
	}

	@Test
	void lazyAccessorFailuresShouldCount() {
		this.clocked.runner(Config.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				WorkProvider provider = context.getBean(WorkProvider.class);
				provider.setDown(true);
				for (int i = 0; i < 2; i++) {
					assertThatIllegalStateException().isThrownBy(provider::models);
				}
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("work").get().state())
					.isEqualTo(CircuitState.OPEN);
			});
	}

	@Test
	void finalProviderWithAnEventListenerNoInterfaceDeclaresShouldStopStartUp() {
		this.clocked.runner(FinalListenerConfig.class).run((context) -> assertThat(context).getFailure()
			.rootCause()
			.hasMessageContaining("Bean 'finalListening' is proxied by its circuit breaker")
			.hasMessageContaining("its @EventListener or @Scheduled methods [onKey(KeyRotated)]")
			.hasMessageContaining("instances.finalListening.enabled=false"));
	}

	@Test
	void finalProviderWithEventListenerWithoutBreakerControl() {
		this.clocked.runner(FinalListenerConfig.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.finalListening.enabled=false")
			.run((context) -> {
				context.publishEvent(new KeyRotated("k3"));
				assertThat(FinalListeningProvider.KEYS).contains("k3");
			});
	}

	/**
	 * Declared by an interface, the listener is reachable through the interface proxy; the class that Spring looks
	 * for {@code @EventListener} methods on must be the bean's own, not the proxy's, or the listener is never
	 * registered and its events go nowhere.
	 */
	@Test
	void finalProviderWithAnEventListenerAnInterfaceDeclaresShouldReceiveEvents() {
		this.clocked.runner().withBean("keyed", KeyedFinalProvider.class, KeyedFinalProvider::new).run((context) -> {
			assertThat(AopUtils.isJdkDynamicProxy(context.getBean("keyed"))).isTrue();
			context.publishEvent(new KeyRotated("k5"));
			assertThat(context.getBean(KeyListener.class).keys()).containsExactly("k5");
		});
	}

	/** The proxy's {@code onKey} takes {@code Object}: it would be handed every event, so start-up names it. */
	@Test
	void finalProviderWithAnEventListenerAGenericInterfaceDeclaresShouldStopStartUpNamingIt() {
		this.clocked.runner()
			.withBean("rotating", RotatingFinalProvider.class, RotatingFinalProvider::new)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'rotating' is proxied by its circuit breaker")
				.hasMessageContaining("its @EventListener or @Scheduled methods [onKey(KeyRotated)]"));
	}

	/** Spring's scheduling calls a method returning a publisher through the interface that declares it. */
	@Test
	void finalProviderWithAPublisherScheduledMethodAnInterfaceDeclaresShouldRunIt() {
		this.clocked.runner(ReactiveScheduledConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(AopUtils.isJdkDynamicProxy(context.getBean("reactiveScheduled"))).isTrue();
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(ReactiveScheduledProvider.RUNS.get()).isPositive());
		});
	}

	@Test
	void finalProviderWithAScheduledMethodNoInterfaceDeclaresShouldStopStartUpNamingTheBreaker() {
		this.clocked.runner(FinalScheduledConfig.class).run((context) -> assertThat(context).getFailure()
			.rootCause()
			.hasMessageContaining("Bean 'finalScheduled' is proxied by its circuit breaker")
			.hasMessageContaining("its @EventListener or @Scheduled methods [refreshKey()]"));
	}

	@Test
	void finalProviderWithAScheduledMethodShouldStartWhenNothingSchedules() {
		// without @EnableScheduling the container never calls the method: nothing to stop start-up for
		this.clocked.runner(FinalScheduledWithoutSchedulingConfig.class)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void finalProviderWithAScheduledMethodShouldStartInAChildContextWhoseParentSchedules() {
		// a parent's scheduling post-processor never sees the child's beans
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext(
				SchedulingParentConfig.class)) {
			this.clocked.runner(FinalScheduledWithoutSchedulingConfig.class)
				.withParent(parent)
				.run((context) -> assertThat(context).hasNotFailed());
		}
	}

	@Test
	void finalProviderWithScheduledMethodWithoutBreakerControl() {
		this.clocked.runner(FinalScheduledConfig.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.finalScheduled.enabled=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(FinalScheduledProvider.RUNS.get()).isPositive());
			});
	}

	@Test
	void asyncEventListenerShouldPass() {
		this.clocked.runner(AsyncConfig.class).run((context) -> {
			AsyncListeningProvider provider = context.getBean(AsyncListeningProvider.class);
			context.getBean(CircuitBreakerRegistry.class).find("asyncListening").get().transitionToOpen();
			context.publishEvent(new KeyRotated("k4"));
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(provider.getKeys()).contains("k4"));
		});
	}

	@Test
	void compareToThatCallsTheUpstreamShouldStayGuarded() {
		this.clocked.runner(Config.class).run((context) -> {
			RankedProvider provider = context.getBean(RankedProvider.class);
			context.getBean(CircuitBreakerRegistry.class).find("ranked").get().transitionToOpen();
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> provider.compareTo(provider));
			assertThat(provider.getUpstreamCalls()).isZero();
		});
	}

	@Test
	void listenerThroughGenericSuperclassShouldPass() {
		this.clocked.runner(Config.class).run((context) -> {
			context.getBean(CircuitBreakerRegistry.class).find("baseListening").get().transitionToOpen();
			context.publishEvent(new Ping(context));
			assertThat(context.getBean(BaseListeningProvider.class).getHeard()).hasSize(1);
		});
	}

	record KeyRotated(String key) {
	}

	static class Ping extends ApplicationEvent {

		Ping(Object source) {
			super(source);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Config {

		@Bean
		WorkProvider work() {
			return new WorkProvider();
		}

		@Bean
		FinalWorkProvider finalWork() {
			return new FinalWorkProvider();
		}

		@Bean
		ThrowingWorkProvider throwingWork() {
			return new ThrowingWorkProvider();
		}

		@Bean
		RankedProvider ranked() {
			return new RankedProvider();
		}

		@Bean
		BaseListeningProvider baseListening() {
			return new BaseListeningProvider();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class FinalListenerConfig {

		@Bean
		FinalListeningProvider finalListening() {
			return new FinalListeningProvider();
		}

	}

	public static class WorkProvider implements Provider, Converter<String, String> {

		final AtomicInteger upstreamCalls = new AtomicInteger();

		volatile boolean down;

		private volatile List<String> models;

		public void setDown(boolean down) {
			this.down = down;
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			if (this.down) {
				throw new IllegalStateException("upstream 500");
			}
			return "answer " + message;
		}

		/** GET /v1/models once, then from the cache. */
		public List<String> models() {
			if (this.models == null) {
				this.models = List.of(chatWithSystem(null, "list models", "m", 0));
			}
			return this.models;
		}

		@Override
		public String convert(String source) {
			return chatWithSystem(null, source, "m", 0);
		}

	}

	public static final class FinalWorkProvider implements Provider, Converter<String, String> {

		static final AtomicInteger UPSTREAM = new AtomicInteger();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			UPSTREAM.incrementAndGet();
			return "answer " + message;
		}

		@Override
		public String convert(String source) {
			return chatWithSystem(null, source, "m", 0);
		}

	}

	public static class ThrowingWorkProvider implements Provider, ThrowingFunction<String, String> {

		final AtomicInteger upstreamCalls = new AtomicInteger();

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			return "answer " + message;
		}

		@Override
		public String applyWithException(String source) throws Exception {
			return chatWithSystem(null, source, "m", 0);
		}

	}

	interface KeyListener {

		void onKey(KeyRotated event);

		List<String> keys();

	}

	public interface KeyHandler<E> {

		@EventListener
		void onKey(E event);

	}

	public interface KeyRotations extends KeyHandler<KeyRotated> {

		List<String> keys();

	}

	public static final class RotatingFinalProvider implements Provider, KeyRotations {

		private final List<String> keys = new CopyOnWriteArrayList<>();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "ok";
		}

		@Override
		public void onKey(KeyRotated event) {
			this.keys.add(event.key());
		}

		@Override
		public List<String> keys() {
			return this.keys;
		}

	}

	public static final class KeyedFinalProvider implements Provider, KeyListener {

		private final List<String> keys = new CopyOnWriteArrayList<>();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "ok";
		}

		@Override
		@EventListener
		public void onKey(KeyRotated event) {
			this.keys.add(event.key());
		}

		@Override
		public List<String> keys() {
			return this.keys;
		}

	}

	public static final class FinalListeningProvider implements Provider {

		static final List<String> KEYS = new CopyOnWriteArrayList<>();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "ok";
		}

		@EventListener
		public void onKey(KeyRotated event) {
			KEYS.add(event.key());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@org.springframework.scheduling.annotation.EnableAsync(proxyTargetClass = true)
	static class AsyncConfig {

		@Bean
		AsyncListeningProvider asyncListening() {
			return new AsyncListeningProvider();
		}

	}

	public static class AsyncListeningProvider implements Provider {

		final List<String> keys = new CopyOnWriteArrayList<>();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "ok";
		}

		@org.springframework.scheduling.annotation.Async
		@EventListener
		public void onKey(KeyRotated event) {
			this.keys.add(event.key());
		}

		public List<String> getKeys() {
			return this.keys;
		}

	}

	/** Ranks providers by a latency it measures with a ping to the upstream. */
	public static class RankedProvider implements Provider, Comparable<RankedProvider> {

		final AtomicInteger upstreamCalls = new AtomicInteger();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.upstreamCalls.incrementAndGet();
			return "pong";
		}

		@Override
		public int compareTo(RankedProvider other) {
			long start = System.nanoTime();
			chatWithSystem(null, "ping", "m", 0);
			return Long.compare(System.nanoTime() - start, 0);
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@org.springframework.scheduling.annotation.EnableScheduling
	static class SchedulingParentConfig {

	}

	@Configuration(proxyBeanMethods = false)
	static class FinalScheduledWithoutSchedulingConfig {

		@Bean
		FinalScheduledProvider finalScheduled() {
			return new FinalScheduledProvider();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@org.springframework.scheduling.annotation.EnableScheduling
	static class FinalScheduledConfig {

		@Bean
		FinalScheduledProvider finalScheduled() {
			return new FinalScheduledProvider();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@org.springframework.scheduling.annotation.EnableScheduling
	static class ReactiveScheduledConfig {

		@Bean
		ReactiveScheduledProvider reactiveScheduled() {
			return new ReactiveScheduledProvider();
		}

	}

	interface KeyRefresher {

		Mono<Void> refreshKey();

	}

	public static final class ReactiveScheduledProvider implements Provider, KeyRefresher {

		static final AtomicInteger RUNS = new AtomicInteger();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "ok";
		}

		@Override
		@org.springframework.scheduling.annotation.Scheduled(fixedDelay = 1, timeUnit = java.util.concurrent.TimeUnit.HOURS)
		public Mono<Void> refreshKey() {
			return Mono.fromRunnable(RUNS::incrementAndGet);
		}

	}

	public static final class FinalScheduledProvider implements Provider {

		static final AtomicInteger RUNS = new AtomicInteger();

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "ok";
		}

		@org.springframework.scheduling.annotation.Scheduled(fixedDelay = 1, timeUnit = java.util.concurrent.TimeUnit.HOURS)
		public void refreshKey() {
			RUNS.incrementAndGet();
		}

	}

	public abstract static class BaseListener<E extends Ping> implements ApplicationListener<E> {

		final List<Object> heard = new CopyOnWriteArrayList<>();

		public List<Object> getHeard() {
			return this.heard;
		}

		@Override
		public void onApplicationEvent(E event) {
			this.heard.add(event);
		}

	}

	public static class BaseListeningProvider extends BaseListener<Ping> implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "ok";
		}

	}

}
