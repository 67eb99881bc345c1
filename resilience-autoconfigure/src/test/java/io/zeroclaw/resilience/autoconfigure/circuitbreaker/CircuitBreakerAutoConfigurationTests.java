package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import io.zeroclaw.resilience.provider.ProviderCapabilities;
import io.zeroclaw.resilience.provider.StreamChunk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.chat.model.StreamingChatModel;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.AbstractEmbeddingModel;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.aopalliance.intercept.MethodInterceptor;
import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.PriorityOrdered;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

@ExtendWith(OutputCaptureExtension.class)
class CircuitBreakerAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(ProviderConfiguration.class);

	@Test
	void runWhenDisabledShouldNotRegisterThePostProcessorNorWrapProviders() {
		this.contextRunner.run((context) -> {
			assertThat(context).doesNotHaveBean(CircuitBreakerBeanPostProcessor.class);
			assertThat(context).doesNotHaveBean(CircuitBreakerRegistry.class);
			assertThat(AopUtils.isAopProxy(context.getBean("scriptedProvider"))).isFalse();
		});
	}

	@Test
	void runWhenEnabledShouldWrapAProviderThatStillInjectsAsItsOwnClass() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.run((context) -> {
				assertThat(context).hasSingleBean(CircuitBreakerBeanPostProcessor.class);
				ScriptedProvider provider = context.getBean(ScriptedProvider.class);
				assertThat(AopUtils.isAopProxy(provider)).isTrue();
				assertThat(context.getBean(ProviderClient.class).provider()).isSameAs(provider);
				assertThat(provider.chatWithSystem(null, "hi", "m", 0.2)).isEqualTo("reply to hi");
				provider.setFailing(true);
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0.2));
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0.2));
				int callsWhenOpened = provider.getCalls();
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.simpleChat("hi", "m", 0.2))
					.satisfies((ex) -> assertThat(ex.breakerName()).isEqualTo("scriptedProvider"));
				assertThat(provider.getCalls()).isEqualTo(callsWhenOpened);
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("scriptedProvider"))
					.hasValueSatisfying((breaker) -> assertThat(breaker.state()).isEqualTo(CircuitState.OPEN));
			});
	}

	@Test
	void accessorsAndSettersShouldPassThroughAnOpenBreaker() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> {
				ScriptedProvider provider = context.getBean(ScriptedProvider.class);
				context.getBean(CircuitBreakerRegistry.class).find("scriptedProvider").get().transitionToOpen();
				assertThat(provider.capabilities()).isEqualTo(new ProviderCapabilities(true, false));
				assertThat(provider.supportsStreaming()).isTrue();
				provider.setFailing(false);
				assertThat(provider.getCalls()).isZero();
				assertThat(provider.toString()).contains("ScriptedProvider");
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(provider::warmup);
			});
	}

	@Test
	void warmupLeftAsTheInterfacesNoOpShouldNeitherBeRefusedNorCountAsAProbe() {
		// The breakers' clock is the test's: on a real one, a first call slower than the recovery timeout (a cold
		// JVM, a busy machine) finds the breaker half-open already.
		AtomicLong clock = new AtomicLong();
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.instances.lambdaProvider.failure-threshold=1",
				"zeroclaw.resilience.circuit-breaker.instances.lambdaProvider.recovery-timeout=50ms")
			.withUserConfiguration(LambdaProviderConfiguration.class, ClockedBreakers.ClockedFactory.class)
			.withBean(AtomicLong.class, () -> clock)
			.run((context) -> {
				Provider provider = context.getBean("lambdaProvider", Provider.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("lambdaProvider").get();
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				provider.warmup();
				clock.addAndGet(Duration.ofMillis(50).toNanos());
				assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
				provider.warmup();
				assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
			});
	}

	@Test
	void lambdaProviderShouldBeWrappedByItsInterface() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withUserConfiguration(LambdaProviderConfiguration.class)
			.run((context) -> {
				Provider provider = context.getBean("lambdaProvider", Provider.class);
				assertThat(AopUtils.isJdkDynamicProxy(provider)).isTrue();
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.simpleChat("hi", "m", 0));
			});
	}

	@Test
	void instanceDisabledShouldLeaveTheBeanAlone() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.scriptedProvider.enabled=false")
			.run((context) -> {
				assertThat(AopUtils.isAopProxy(context.getBean("scriptedProvider"))).isFalse();
				assertThat(context.getBean(CircuitBreakerRegistry.class).breakers()).isEmpty();
			});
	}

	@Test
	void beanNamedWithDotsShouldBeTunedThroughABracketedInstanceKey() {
		// an @Import-ed class's bean is named by its full class name
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances[com.example.AcmeProvider].failure-threshold=1")
			.withBean("com.example.AcmeProvider", Provider.class, () -> (system, message, model, temperature) -> {
				throw new IllegalStateException("upstream down");
			})
			.run((context) -> {
				Provider provider = context.getBean("com.example.AcmeProvider", Provider.class);
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("hi", "m", 0));
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("com.example.AcmeProvider").get().state())
					.isEqualTo(CircuitState.OPEN);
			});
	}

	@Test
	void instanceNamingNoUpstreamBeanShouldBeReportedWithTheBeansThatExist(CapturedOutput output) {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.scriptedProvder.failure-threshold=2")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("zeroclaw.resilience.circuit-breaker.instances.scriptedProvder names no "
						+ "bean a breaker guards")
					.contains("[scriptedProvider]");
			});
	}

	@Test
	void upstreamBeanCreatedBeforeTheBreakersShouldBeReportedAsUnguarded(CapturedOutput output) {
		this.contextRunner.withUserConfiguration(EarlyProviderConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.earlyProvider.failure-threshold=2")
			.run((context) -> {
				assertThat(AopUtils.isAopProxy(context.getBean("earlyProvider"))).isFalse();
				assertThat(output).contains("Bean 'earlyProvider' has no circuit breaker: it was created before the "
						+ "breakers were set up")
					.doesNotContain("instances.earlyProvider names no bean")
					.doesNotContain("Bean 'scriptedProvider' has no circuit breaker");
			});
	}

	@Test
	void misspeltInstanceShouldStillBeReportedBesideAnUpstreamBeanCreatedBeforeTheBreakers(CapturedOutput output) {
		this.contextRunner.withUserConfiguration(EarlyProviderConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.scriptedProvder.failure-threshold=2")
			.run((context) -> assertThat(output).contains(
					"zeroclaw.resilience.circuit-breaker.instances.scriptedProvder names no bean a breaker guards"));
	}

	@Test
	void upstreamBeanRegisteredAsAFinishedInstanceShouldBeReportedAsSuch(CapturedOutput output) {
		// as Spring's bean overrides (a test's @MockitoBean) register theirs: no post-processor ever sees it
		Provider registered = (system, message, model, temperature) -> "registered";
		this.contextRunner
			.withInitializer((context) -> context.getBeanFactory().registerSingleton("registeredProvider", registered))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> {
				assertThat(context.getBean("registeredProvider")).isSameAs(registered);
				assertThat(output).contains("Bean 'registeredProvider' has no circuit breaker")
					.contains("registered as a finished instance, which no post-processor sees (as a test's "
							+ "@MockitoBean is)");
			});
	}

	@Test
	void breakersThatGuardNothingShouldBeReported(CapturedOutput output) {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("zeroclaw.resilience.circuit-breaker.enabled is true, but no bean is a "
						+ "[Provider, ChatModel, StreamingChatModel, EmbeddingModel, DocumentEmbeddingModel, "
						+ "ImageModel, ModerationModel, TextToSpeechModel, StreamingTextToSpeechModel, "
						+ "TranscriptionModel, StreamingTranscriptionModel], so no circuit breaker guards anything");
			});
	}

	@Test
	void breakersThatGuardABeanShouldNotBeReportedAsGuardingNothing(CapturedOutput output) {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> assertThat(output).doesNotContain("guards anything"));
		// spring.main.lazy-initialization=true, which the runner does not read: no upstream bean exists at start-up
		this.contextRunner
			.withInitializer((context) -> context.addBeanFactoryPostProcessor(
					new LazyInitializationBeanFactoryPostProcessor()))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> {
				assertThat(context.getBeanFactory().containsSingleton("scriptedProvider")).isFalse();
				assertThat(output).doesNotContain("guards anything");
			});
	}

	@Test
	void instanceNamingAnUpstreamBeanInRelaxedFormShouldNotBeReported(CapturedOutput output) {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.scripted-provider.failure-threshold=2")
			.run((context) -> {
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("scriptedProvider").orElseThrow()
					.config()
					.failureThreshold()).isEqualTo(2);
				assertThat(output).doesNotContain("names no bean a breaker guards");
			});
	}

	@Test
	void instanceNamingALazyBeanShouldNotBeReportedBeforeTheBeanExists(CapturedOutput output) {
		this.contextRunner.withUserConfiguration(LazyProviderConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.lazyProvider.failure-threshold=2")
			.run((context) -> assertThat(output).doesNotContain("names no bean a breaker guards"));
	}

	@Test
	void lazyInitializedBeansShouldHaveTheirBreakersAndMetersFromStartUp() {
		// spring.main.lazy-initialization=true: no upstream bean exists until something first uses it
		this.contextRunner
			.withInitializer((context) -> context.addBeanFactoryPostProcessor(
					new LazyInitializationBeanFactoryPostProcessor()))
			.withUserConfiguration(LazyProviderConfiguration.class)
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.lazyProvider.failure-threshold=2")
			.run((context) -> {
				assertThat(context.getBeanFactory().containsSingleton("scriptedProvider")).isFalse();
				assertThat(context.getBeanFactory().containsSingleton("lazyProvider")).isFalse();
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				assertThat(registry.breakers()).containsOnlyKeys("scriptedProvider", "lazyProvider");
				assertThat(registry.find("lazyProvider").orElseThrow().config().failureThreshold()).isEqualTo(2);
				assertThat(state(context.getBean(MeterRegistry.class), "CLOSED")).isEqualTo(1.0);
				// forced open before the bean exists, as an operator would through the endpoint
				registry.find("scriptedProvider").orElseThrow().transitionToOpen();
				ScriptedProvider provider = context.getBean("scriptedProvider", ScriptedProvider.class);
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.simpleChat("hi", "m", 0.2));
				assertThat(provider.getCalls()).isZero();
				assertThat(registry.breakers()).containsOnlyKeys("scriptedProvider", "lazyProvider");
			});
	}

	@Test
	void scopedBeanShouldGetOneBreakerOnItsProxyNotOnePerTarget(CapturedOutput output) {
		this.contextRunner.withUserConfiguration(ScopedProviderConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.scopedProvider.failure-threshold=2")
			.run((context) -> {
				ScriptedProvider provider = context.getBean("scopedProvider", ScriptedProvider.class);
				assertThat(provider.simpleChat("hi", "m", 0)).isEqualTo("reply to hi");
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				assertThat(registry.breakers()).containsOnlyKeys("scriptedProvider", "scopedProvider");
				assertThat(registry.find("scopedProvider").orElseThrow().config().failureThreshold()).isEqualTo(2);
				assertThat(output).doesNotContain("names no bean a breaker guards");
			});
	}

	@Test
	void instanceOverridesShouldApplyOverTheDefaults() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.failure-threshold=7",
					"zeroclaw.resilience.circuit-breaker.instances.scriptedProvider.recovery-timeout=3s",
					"zeroclaw.resilience.circuit-breaker.instances.scriptedProvider.half-open-max-requests=2")
			.run((context) -> {
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
					.find("scriptedProvider")
					.orElseThrow();
				assertThat(breaker.config()).isEqualTo(new CircuitBreakerConfig(7, Duration.ofSeconds(3), 2));
			});
	}

	/** Bean names are case-sensitive: a key spelling one bean's exact name is not the relaxed form of another's. */
	@Test
	void instanceKeySpellingOneBeansNameShouldNotTuneABeanNamedLikeItInAnotherCase() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.mistralChat.failure-threshold=4")
			.withBean("mistralChat", Provider.class, () -> (system, message, model, temperature) -> "m")
			.withBean("MistralChat", Provider.class, () -> (system, message, model, temperature) -> "M")
			.run((context) -> {
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				assertThat(registry.find("mistralChat").orElseThrow().config().failureThreshold()).isEqualTo(4);
				assertThat(registry.find("MistralChat").orElseThrow().config().failureThreshold()).isEqualTo(5);
			});
	}

	@Test
	void breakerShouldBeCreatedOnceAndSharedAcrossCallsAndInstances() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=2")
			.withUserConfiguration(PrototypeProviderConfiguration.class)
			.run((context) -> {
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				ScriptedProvider first = (ScriptedProvider) context.getBean("prototypeProvider");
				first.simpleChat("a", "m", 0);
				CircuitBreaker breaker = registry.find("prototypeProvider").orElseThrow();
				first.setFailing(true);
				assertThatIllegalStateException().isThrownBy(() -> first.simpleChat("a", "m", 0));
				ScriptedProvider second = (ScriptedProvider) context.getBean("prototypeProvider");
				assertThat(second).isNotSameAs(first);
				second.setFailing(true);
				assertThatIllegalStateException().isThrownBy(() -> second.simpleChat("a", "m", 0));
				assertThat(registry.find("prototypeProvider")).containsSame(breaker);
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
			});
	}

	@Test
	void ignoreExceptionsShouldBeTheApplicationClassLoadersClasses() throws Exception {
		// as under DevTools: the application's classes come from a loader of their own, below the starter's
		String name = UpstreamQuotaException.class.getName();
		ClassLoader application = new ChildFirstClassLoader(name);
		Class<?> applicationType = application.loadClass(name);
		assertThat(applicationType).isNotSameAs(UpstreamQuotaException.class);
		this.contextRunner.withClassLoader(application)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.failure-threshold=1",
					"zeroclaw.resilience.circuit-breaker.ignore-exceptions=" + name)
			.run((context) -> {
				CircuitBreaker breaker = context.getBean(CircuitBreakerFactory.class).create("quota");
				RuntimeException thrown = (RuntimeException) applicationType.getConstructor().newInstance();
				assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> breaker.execute(() -> {
					throw thrown;
				}));
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
			});
	}

	@Test
	void ignoreExceptionsShouldNotCountAsFailures() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.failure-threshold=1",
					"zeroclaw.resilience.circuit-breaker.ignore-exceptions=java.lang.IllegalStateException")
			.run((context) -> {
				ScriptedProvider provider = context.getBean(ScriptedProvider.class);
				provider.setFailing(true);
				for (int i = 0; i < 3; i++) {
					assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("a", "m", 0));
				}
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("scriptedProvider").get().state())
					.isEqualTo(CircuitState.CLOSED);
			});
	}

	@Test
	void completionStageResultShouldCountWhenItCompletesAndRefuseAsAFailedStage() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.run((context) -> {
				ScriptedProvider provider = context.getBean(ScriptedProvider.class);
				CompletableFuture<String> result = provider.chatAsync("hi");
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
					.find("scriptedProvider")
					.orElseThrow();
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
				provider.getPending().completeExceptionally(new IllegalStateException("502"));
				assertThat(result).isCompletedExceptionally();
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				assertThat(provider.chatAsync("hi")).failsWithin(Duration.ZERO)
					.withThrowableThat()
					.withCauseInstanceOf(CircuitOpenException.class);
			});
	}

	@Test
	void streamResultShouldCountWhenExhaustedAndGiveTheProbeBackWhenClosed() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.run((context) -> {
				ScriptedProvider provider = context.getBean(ScriptedProvider.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
					.find("scriptedProvider")
					.orElseThrow();
				try (Stream<StreamChunk> stream = provider.streamChatWithSystem(null, "hi", "m", 0)) {
					assertThat(stream.map(StreamChunk::delta)).containsExactly("reply ", "to hi", "");
				}
				provider.setFailing(true);
				try (Stream<StreamChunk> stream = provider.streamChatWithSystem(null, "hi", "m", 0)) {
					assertThatIllegalStateException().isThrownBy(stream::toList);
				}
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.streamChatWithSystem(null, "hi", "m", 0));
			});
	}

	@Test
	void stateChangesShouldBePublishedAsApplicationEvents() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withUserConfiguration(EventCollectorConfiguration.class)
			.run((context) -> {
				ScriptedProvider provider = context.getBean(ScriptedProvider.class);
				provider.setFailing(true);
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("a", "m", 0));
				context.getBean(CircuitBreakerRegistry.class).find("scriptedProvider").get().transitionToClosed();
				List<CircuitBreakerStateChangedEvent> events = context.getBean(EventCollector.class).events;
				assertThat(events).extracting(CircuitBreakerStateChangedEvent::getBreakerName)
					.containsOnly("scriptedProvider");
				assertThat(events).extracting(CircuitBreakerStateChangedEvent::getTo)
					.containsExactly(CircuitState.OPEN, CircuitState.CLOSED);
			});
	}

	@Test
	void withoutAMeterRegistryShouldNotBindMetrics() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> assertThat(context).doesNotHaveBean(CircuitBreakerMetrics.class));
	}

	@Test
	void closingTheContextShouldRemoveItsStateGaugesFromARegistryThatOutlivesIt() {
		SimpleMeterRegistry shared = new SimpleMeterRegistry();
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.withBean(MeterRegistry.class, () -> shared)
			.run((context) -> assertThat(shared.find(CircuitBreakerMetrics.STATE).gauges()).isNotEmpty());
		assertThat(shared.find(CircuitBreakerMetrics.STATE).gauges()).isEmpty();
	}

	@Test
	void metricsShouldCountOutcomesAndShowTheState() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=2",
				"zeroclaw.resilience.circuit-breaker.ignore-exceptions=java.lang.UnsupportedOperationException")
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(CircuitBreakerMetrics.class);
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				ScriptedProvider provider = context.getBean(ScriptedProvider.class);
				provider.simpleChat("a", "m", 0);
				provider.simpleChat("a", "m", 0);
				assertThat(state(meters, "CLOSED")).isEqualTo(1.0);
				assertThat(state(meters, "OPEN")).isEqualTo(0.0);
				assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(provider::warmup);
				provider.setFailing(true);
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("a", "m", 0));
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("a", "m", 0));
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> provider.simpleChat("a", "m", 0));
				assertThat(calls(meters, "success")).isEqualTo(2.0);
				assertThat(calls(meters, "failure")).isEqualTo(2.0);
				assertThat(calls(meters, "ignored")).isEqualTo(1.0);
				assertThat(calls(meters, "rejected")).isEqualTo(1.0);
				assertThat(state(meters, "OPEN")).isEqualTo(1.0);
				assertThat(state(meters, "CLOSED")).isEqualTo(0.0);
				assertThat(state(meters, "HALF_OPEN")).isEqualTo(0.0);
			});
	}

	@Test
	void springAiEmbeddingAndStreamingModelsShouldEachGetTheirOwnBreaker() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withUserConfiguration(SpringAiModelsConfiguration.class)
			.run((context) -> {
				EmbeddingModel embeddings = context.getBean(EmbeddingModel.class);
				StreamingChatModel streaming = context.getBean(StreamingChatModel.class);
				assertThat(context.getBean(CircuitBreakerRegistry.class).breakers()).containsKeys("embeddingModel",
						"streamingChatModel", "scriptedProvider");
				assertThatIllegalStateException().isThrownBy(() -> embeddings.embed("text"));
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> embeddings.embed("text"));
				assertThatIllegalStateException().isThrownBy(() -> streaming.stream("hi").blockLast());
				assertThatExceptionOfType(CircuitOpenException.class)
					.isThrownBy(() -> streaming.stream("hi").blockLast());
			});
	}

	@Test
	void springAiMethodsThatAnswerLocallyShouldNeitherBeRefusedNorCount() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withUserConfiguration(LocalAnswersConfiguration.class)
			.run((context) -> {
				ChatModel chat = context.getBean(ChatModel.class);
				CircuitBreaker chatBreaker = context.getBean(CircuitBreakerRegistry.class).find("callOnlyChatModel").get();
				// a model that cannot stream says so at once, as it would unproxied, and its breaker stays closed
				assertThatExceptionOfType(UnsupportedOperationException.class)
					.isThrownBy(() -> chat.stream(new Prompt("hi")));
				assertThatExceptionOfType(UnsupportedOperationException.class)
					.isThrownBy(() -> chat.stream("hi").blockLast());
				assertThat(chatBreaker.state()).isEqualTo(CircuitState.CLOSED);
				assertThat(chat.call("hi")).isEqualTo("hello");
				// a cached dimension count is a local answer, even with the breaker open
				EmbeddingModel embeddings = context.getBean(EmbeddingModel.class);
				assertThat(embeddings.dimensions()).isEqualTo(3);
				context.getBean(CircuitBreakerRegistry.class).find("cachingEmbeddingModel").get().transitionToOpen();
				assertThat(embeddings.dimensions()).isEqualTo(3);
			});
	}

	@Test
	void embeddingDimensionsShouldBeGuardedUntilTheUpstreamHasAnsweredThem() {
		// AbstractEmbeddingModel.dimensions() embeds a probe text through the upstream until it has the answer
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withUserConfiguration(DimensionsConfiguration.class)
			.run((context) -> {
				EmbeddingModel embeddings = context.getBean(EmbeddingModel.class);
				EmbeddingUpstream upstream = context.getBean(EmbeddingUpstream.class);
				CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class).find("embeddingModel").get();
				upstream.failing().set(true);
				assertThatIllegalStateException().isThrownBy(embeddings::dimensions);
				assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(embeddings::dimensions);
				assertThat(upstream.calls()).hasValue(1);
				breaker.transitionToClosed();
				upstream.failing().set(false);
				assertThat(embeddings.dimensions()).isEqualTo(3);
				breaker.transitionToOpen();
				// answered from the model's cache now: a local answer, even with the breaker open
				assertThat(embeddings.dimensions()).isEqualTo(3);
				assertThat(upstream.calls()).hasValue(2);
			});
	}

	@Test
	void embeddingDimensionsOfEachScopedTargetShouldBeGuardedUntilItHasAnsweredThem() {
		// behind a scoped proxy every target has a cache of its own: a prototype's, one per call, is always empty
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.withUserConfiguration(ScopedDimensionsConfiguration.class)
			.run((context) -> {
				EmbeddingModel embeddings = context.getBean("embeddingModel", EmbeddingModel.class);
				EmbeddingUpstream upstream = context.getBean(EmbeddingUpstream.class);
				assertThat(embeddings.dimensions()).isEqualTo(3);
				context.getBean(CircuitBreakerRegistry.class).find("embeddingModel").get().transitionToOpen();
				assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(embeddings::dimensions);
				assertThat(upstream.calls()).hasValue(1);
			});
	}

	@Test
	void providerThatIsAlreadyAnAopProxyShouldGetTheBreakerAsItsLastAdvice() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1")
			.withUserConfiguration(AdvisedProviderConfiguration.class)
			.run((context) -> {
				Provider provider = context.getBean("advisedProvider", Provider.class);
				AtomicInteger adviceCalls = context.getBean(AtomicInteger.class);
				Advisor[] advisors = ((Advised) provider).getAdvisors();
				assertThat(advisors).hasSize(2);
				assertThat(advisors[1].getAdvice()).isInstanceOf(CircuitBreakerInterceptor.class);
				// refused by the application's own advice, before the upstream: no failure of the upstream's
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("a", "m", 0));
				assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("a", "m", 0));
				assertThat(adviceCalls).hasValue(2);
				assertThat(context.getBean(CircuitBreakerRegistry.class).find("advisedProvider").get().state())
					.isEqualTo(CircuitState.CLOSED);
			});
	}

	private static double state(MeterRegistry meters, String state) {
		return meters.get(CircuitBreakerMetrics.STATE)
			.tag("name", "scriptedProvider")
			.tag("state", state)
			.gauge()
			.value();
	}

	private static double calls(MeterRegistry meters, String outcome) {
		return meters.get(CircuitBreakerMetrics.CALLS)
			.tag("name", "scriptedProvider")
			.tag("outcome", outcome)
			.counter()
			.count();
	}

	/** A provider whose failure is switched by the test, with an extra asynchronous call. */
	static class ScriptedProvider implements Provider {

		private final AtomicInteger calls = new AtomicInteger();

		private volatile boolean failing;

		private volatile CompletableFuture<String> pending;

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.calls.incrementAndGet();
			if (this.failing) {
				throw new IllegalStateException("upstream answered 500");
			}
			return "reply to " + message;
		}

		@Override
		public Stream<StreamChunk> streamChatWithSystem(String systemPrompt, String message, String model,
				double temperature) {
			this.calls.incrementAndGet();
			return Stream.of("reply ", "to " + message, "").map((delta) -> {
				if (this.failing) {
					throw new IllegalStateException("connection reset mid-stream");
				}
				return new StreamChunk(delta, delta.isEmpty());
			});
		}

		@Override
		public void warmup() {
			throw new UnsupportedOperationException("no warm-up");
		}

		@Override
		public ProviderCapabilities capabilities() {
			return new ProviderCapabilities(true, false);
		}

		@Override
		public boolean supportsStreaming() {
			return true;
		}

		public CompletableFuture<String> chatAsync(String message) {
			this.calls.incrementAndGet();
			this.pending = new CompletableFuture<>();
			return this.pending;
		}

		public CompletableFuture<String> getPending() {
			return this.pending;
		}

		public int getCalls() {
			return this.calls.get();
		}

		public void setFailing(boolean failing) {
			this.failing = failing;
		}

		@Override
		public String toString() {
			return "ScriptedProvider";
		}

	}

	record ProviderClient(ScriptedProvider provider) {

	}

	@Configuration(proxyBeanMethods = false)
	static class ProviderConfiguration {

		@Bean
		ScriptedProvider scriptedProvider() {
			return new ScriptedProvider();
		}

		@Bean
		ProviderClient providerClient(ScriptedProvider scriptedProvider) {
			return new ProviderClient(scriptedProvider);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LambdaProviderConfiguration {

		@Bean
		Provider lambdaProvider() {
			return (system, message, model, temperature) -> {
				throw new IllegalStateException("always down");
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrototypeProviderConfiguration {

		@Bean
		@Scope("prototype")
		ScriptedProvider prototypeProvider() {
			return new ScriptedProvider();
		}

	}

	/** Thrown by an upstream client to say a quota ran out: the application's own exception type. */
	public static class UpstreamQuotaException extends RuntimeException {

		public UpstreamQuotaException() {
			super("quota exceeded");
		}

	}

	/** Defines one class itself, from the same bytes, rather than asking its parent: a class of its own. */
	static final class ChildFirstClassLoader extends ClassLoader {

		private final String className;

		ChildFirstClassLoader(String className) {
			super(ChildFirstClassLoader.class.getClassLoader());
			this.className = className;
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			if (!name.equals(this.className)) {
				return super.loadClass(name, resolve);
			}
			synchronized (getClassLoadingLock(name)) {
				Class<?> loaded = findLoadedClass(name);
				if (loaded == null) {
					try (java.io.InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
						byte[] bytes = in.readAllBytes();
						loaded = defineClass(name, bytes, 0, bytes.length);
					}
					catch (java.io.IOException ex) {
						throw new ClassNotFoundException(name, ex);
					}
				}
				return loaded;
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class EarlyProviderConfiguration {

		@Bean
		static ScriptedProvider earlyProvider() {
			return new ScriptedProvider();
		}

		/**
		 * A prioritized post-processor that needs the provider: the provider is made with it, before the ordered
		 * post-processors (the breakers' among them) are even registered.
		 */
		@Bean
		static EarlyPostProcessor providerAwarePostProcessor(ScriptedProvider earlyProvider) {
			return new EarlyPostProcessor();
		}

	}

	static class EarlyPostProcessor implements BeanPostProcessor, PriorityOrdered {

		@Override
		public int getOrder() {
			return 0;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LocalAnswersConfiguration {

		@Bean
		ChatModel callOnlyChatModel() {
			return (prompt) -> new ChatResponse(List.of(new Generation(new AssistantMessage("hello"))));
		}

		@Bean
		EmbeddingModel cachingEmbeddingModel() {
			return new AbstractEmbeddingModel() {

				@Override
				public EmbeddingResponse call(EmbeddingRequest request) {
					return new EmbeddingResponse(List.of(new Embedding(new float[] { 1, 2, 3 }, 0)));
				}

				@Override
				public float[] embed(Document document) {
					return new float[] { 1, 2, 3 };
				}

			};
		}

	}

	/** How often the embedding model's upstream was asked, and whether it fails. */
	record EmbeddingUpstream(AtomicInteger calls, AtomicBoolean failing) {

	}

	@Configuration(proxyBeanMethods = false)
	static class DimensionsConfiguration {

		@Bean
		EmbeddingUpstream embeddingUpstream() {
			return new EmbeddingUpstream(new AtomicInteger(), new AtomicBoolean());
		}

		@Bean
		EmbeddingModel embeddingModel(EmbeddingUpstream upstream) {
			return countingEmbeddingModel(upstream);
		}

		static EmbeddingModel countingEmbeddingModel(EmbeddingUpstream upstream) {
			return new AbstractEmbeddingModel() {

				@Override
				public EmbeddingResponse call(EmbeddingRequest request) {
					upstream.calls().incrementAndGet();
					if (upstream.failing().get()) {
						throw new IllegalStateException("upstream answered 500");
					}
					return new EmbeddingResponse(List.of(new Embedding(new float[] { 1, 2, 3 }, 0)));
				}

				@Override
				public float[] embed(Document document) {
					return call(new EmbeddingRequest(List.of(document.getText()), null)).getResult().getOutput();
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ScopedDimensionsConfiguration {

		@Bean
		EmbeddingUpstream embeddingUpstream() {
			return new EmbeddingUpstream(new AtomicInteger(), new AtomicBoolean());
		}

		@Bean
		@Scope(value = "prototype", proxyMode = ScopedProxyMode.INTERFACES)
		EmbeddingModel embeddingModel(EmbeddingUpstream upstream) {
			return DimensionsConfiguration.countingEmbeddingModel(upstream);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ScopedProviderConfiguration {

		@Bean
		@Scope(value = "prototype", proxyMode = ScopedProxyMode.TARGET_CLASS)
		ScriptedProvider scopedProvider() {
			return new ScriptedProvider();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LazyProviderConfiguration {

		@Bean
		@Lazy
		ScriptedProvider lazyProvider() {
			return new ScriptedProvider();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SpringAiModelsConfiguration {

		@Bean
		EmbeddingModel embeddingModel() {
			return new EmbeddingModel() {

				@Override
				public EmbeddingResponse call(EmbeddingRequest request) {
					throw new IllegalStateException("embedding endpoint down");
				}

				@Override
				public float[] embed(Document document) {
					throw new IllegalStateException("embedding endpoint down");
				}

			};
		}

		@Bean
		StreamingChatModel streamingChatModel() {
			return (prompt) -> Flux.error(new IllegalStateException("stream refused"));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AdvisedProviderConfiguration {

		@Bean
		AtomicInteger adviceCalls() {
			return new AtomicInteger();
		}

		@Bean
		Provider advisedProvider(AtomicInteger adviceCalls) {
			ProxyFactory proxyFactory = new ProxyFactory(new ScriptedProvider());
			proxyFactory.setInterfaces(Provider.class);
			proxyFactory.addAdvice((MethodInterceptor) (invocation) -> {
				adviceCalls.incrementAndGet();
				throw new IllegalStateException("refused by an advice of the application's own");
			});
			return (Provider) proxyFactory.getProxy();
		}

	}

	static class EventCollector implements ApplicationListener<CircuitBreakerStateChangedEvent> {

		final List<CircuitBreakerStateChangedEvent> events = new ArrayList<>();

		@Override
		public void onApplicationEvent(CircuitBreakerStateChangedEvent event) {
			this.events.add(event);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class EventCollectorConfiguration {

		@Bean
		EventCollector eventCollector() {
			return new EventCollector();
		}

	}

}
