package io.zeroclaw.resilience.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.aot.generate.GeneratedFiles.Kind;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.aot.test.generate.TestGenerationContext;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.cglib.core.ReflectUtils;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.test.tools.CompileWithForkedClassLoader;
import org.springframework.core.test.tools.TestCompiler;
import org.springframework.javapoet.ClassName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The auto-configurations under Spring's ahead-of-time processing, as {@code spring-boot-maven-plugin}'s
 * {@code process-aot} runs it for an application, and as a native image then runs the result: every proxy class made
 * at build time (a native image cannot define one at run time), and the hints it needs registered.
 */
class ResilienceAotProcessingTests {

	private static final String[] PROPERTIES = { "zeroclaw.resilience.circuit-breaker.enabled=true",
			"zeroclaw.resilience.circuit-breaker.failure-threshold=2",
			"zeroclaw.resilience.circuit-breaker.ignore-exceptions=" + IgnoredFailure.class.getName(),
			"zeroclaw.resilience.backpressure.enabled=true" };

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				CircuitBreakerAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withUserConfiguration(UpstreamConfiguration.class)
		.withPropertyValues(PROPERTIES);

	@Test
	@CompileWithForkedClassLoader // a class loader of its own, in which no test has made these proxy classes yet
	void processingShouldWriteOutTheProxyClassesOfTheGuardedAndPrioritizedBeans() {
		this.contextRunner.prepare((context) -> {
			TestGenerationContext generationContext = process(context.getSourceApplicationContext());
			assertThat(generationContext.getGeneratedFiles().getGeneratedFiles(Kind.CLASS))
				.containsKeys(proxyClassFile(ClassProvider.class), proxyClassFile(PrioritizedWorker.class));
			RuntimeHints hints = generationContext.getRuntimeHints();
			assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(ClassProvider.class, "chatWithSystem"))
				.accepts(hints);
		});
	}

	@Test
	void processingShouldRegisterTheJdkProxyOfAGuardedFinalClass() {
		this.contextRunner.prepare((context) -> {
			RuntimeHints hints = process(context.getSourceApplicationContext()).getRuntimeHints();
			assertThat(RuntimeHintsPredicates.proxies()
				.forInterfaces(AopProxyUtils.completeJdkProxyInterfaces(Provider.class, AutoCloseable.class)))
				.accepts(hints);
		});
	}

	@Test
	void processingShouldRegisterTheIgnoredExceptionsForLoadingByName() {
		this.contextRunner.prepare((context) -> {
			RuntimeHints hints = process(context.getSourceApplicationContext()).getRuntimeHints();
			assertThat(RuntimeHintsPredicates.reflection().onType(IgnoredFailure.class)).accepts(hints);
		});
	}

	@Test
	@CompileWithForkedClassLoader
	void processedContextShouldStartAndProtectWithoutDefiningAClassAtRunTime() {
		startProcessed(this.contextRunner, (processed) -> {
			Provider classProvider = processed.getBean("classProvider", Provider.class);
			assertThat(AopUtils.isCglibProxy(classProvider)).isTrue();
			assertThatIllegalStateException().isThrownBy(() -> classProvider.simpleChat("hi", "m", 0));
			assertThatIllegalStateException().isThrownBy(() -> classProvider.simpleChat("hi", "m", 0));
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> classProvider.simpleChat("hi", "m", 0));
			assertThat(AopUtils.isJdkDynamicProxy(processed.getBean("finalProvider"))).isTrue();
			PrioritizedWorker worker = processed.getBean(PrioritizedWorker.class);
			assertThat(AopUtils.isCglibProxy(worker)).isTrue();
			assertThat(worker.depthDuringCall()).isEqualTo(1);
		});
	}

	@Test
	@CompileWithForkedClassLoader
	void prioritizedProvidersShouldBeProcessedAsTheBreakersProxyThemAtRunTime() {
		// The breakers' post-processor, which is ordered, proxies these first at run time; the unordered @Prioritized
		// one only adds its advisors. A build that made its own class first failed on the final class ("cannot
		// subclass"), and for the other made a class the run never used.
		startProcessed(this.contextRunner.withUserConfiguration(PrioritizedProviderConfiguration.class),
				(processed) -> {
					Provider finalProvider = processed.getBean("prioritizedFinalProvider", Provider.class);
					assertThat(AopUtils.isJdkDynamicProxy(finalProvider)).isTrue();
					assertThat(finalProvider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("depth 1");
					PrioritizedClassProvider classProvider = processed.getBean("prioritizedClassProvider",
							PrioritizedClassProvider.class);
					assertThat(AopUtils.isCglibProxy(classProvider)).isTrue();
					assertThat(classProvider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("depth 1");
				});
	}

	@Test
	@CompileWithForkedClassLoader
	void processedContextShouldProxyWhatFactoryBeansMakeWithoutDefiningAClassAtRunTime() {
		startProcessed(this.contextRunner.withUserConfiguration(MadeBeansConfiguration.class), (processed) -> {
			// a factory bean makes its object on first use, after start-up: a native image cannot define the proxy's
			// class then either
			List<String> definedOnFirstUse = new ArrayList<>();
			List<Object> made = new ArrayList<>();
			whileRecordingDefinedClasses((name, bytes) -> definedOnFirstUse.add(name), () -> {
				made.add(processed.getBean("madeProvider", Provider.class));
				made.add(processed.getBean("madeWorker", MadeWorker.class));
				made.add(processed.getBean("scopedProvider", Provider.class));
			});
			assertThat(definedOnFirstUse).isEmpty();
			Provider madeProvider = (Provider) made.get(0);
			assertThat(AopUtils.isCglibProxy(madeProvider)).isTrue();
			assertThat(madeProvider.chatWithSystem(null, "hi", "m", 0)).isEqualTo("made");
			MadeWorker madeWorker = (MadeWorker) made.get(1);
			assertThat(AopUtils.isCglibProxy(madeWorker)).isTrue();
			assertThat(madeWorker.depthDuringCall()).isEqualTo(1);
			Provider scopedProvider = (Provider) made.get(2);
			assertThatIllegalStateException().isThrownBy(() -> scopedProvider.simpleChat("hi", "m", 0));
			assertThatIllegalStateException().isThrownBy(() -> scopedProvider.simpleChat("hi", "m", 0));
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> scopedProvider.simpleChat("hi", "m", 0));
		});
	}

	@Test
	@CompileWithForkedClassLoader
	void processingShouldMakeNoProxyClassThatTheRunNeverUsesForAScopedProxy() {
		this.contextRunner.withUserConfiguration(MadeBeansConfiguration.class).prepare((context) -> {
			TestGenerationContext generationContext = process(context.getSourceApplicationContext());
			// the scoped proxy's own class, which Spring makes, and no second one for the breaker
			assertThat(generationContext.getGeneratedFiles().getGeneratedFiles(Kind.CLASS).keySet())
				.filteredOn((file) -> file.startsWith(ScopedProvider.class.getName().replace('.', '/') + "$$"))
				.containsExactly(proxyClassFile(ScopedProvider.class));
		});
	}

	private static void startProcessed(ApplicationContextRunner runner,
			Consumer<GenericApplicationContext> assertions) {
		startProcessed(runner, PROPERTIES, assertions);
	}

	/**
	 * Processes the runner's context ahead of time, compiles what was generated, and starts the processed context from
	 * it with {@code properties} (those of the build: a processed context evaluates no condition again), failing if
	 * CGLIB defines any class while it starts: what a native image refuses. Then hands it to {@code assertions}.
	 */
	@SuppressWarnings("unchecked")
	static void startProcessed(ApplicationContextRunner runner, String[] properties,
			Consumer<GenericApplicationContext> assertions) {
		runner.prepare((context) -> {
			GenericApplicationContext source = (GenericApplicationContext) context.getSourceApplicationContext();
			TestGenerationContext generationContext = new TestGenerationContext();
			ClassName initializerName = new ApplicationContextAotGenerator().processAheadOfTime(source,
					generationContext);
			generationContext.writeGeneratedContent();
			TestCompiler.forSystem().with(generationContext).compile((compiled) -> {
				List<String> definedAtRunTime = new ArrayList<>();
				try (GenericApplicationContext processed = new GenericApplicationContext()) {
					// one class loader at build and at run time, as in an application (the compiler's is a child)
					processed.setClassLoader(ResilienceAotProcessingTests.class.getClassLoader());
					TestPropertyValues.of(properties).applyTo(processed);
					compiled.getInstance(ApplicationContextInitializer.class, initializerName.toString())
						.initialize(processed);
					whileRecordingDefinedClasses((name, bytes) -> definedAtRunTime.add(name), processed::refresh);
					assertThat(definedAtRunTime).isEmpty();
					assertions.accept(processed);
				}
			});
		});
	}

	private static TestGenerationContext process(Object applicationContext) {
		TestGenerationContext generationContext = new TestGenerationContext();
		new ApplicationContextAotGenerator().processAheadOfTime((GenericApplicationContext) applicationContext,
				generationContext);
		generationContext.writeGeneratedContent();
		return generationContext;
	}

	private static String proxyClassFile(Class<?> beanClass) {
		return beanClass.getName().replace('.', '/') + "$$SpringCGLIB$$0.class";
	}

	private static void whileRecordingDefinedClasses(BiConsumer<String, byte[]> recorder, Runnable action) {
		ReflectUtils.setGeneratedClassHandler(recorder);
		try {
			action.run();
		}
		finally {
			ReflectUtils.setGeneratedClassHandler(null);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class UpstreamConfiguration {

		@Bean
		ClassProvider classProvider() {
			return new ClassProvider();
		}

		@Bean
		FinalProvider finalProvider() {
			return new FinalProvider();
		}

		@Bean
		PrioritizedWorker prioritizedWorker(ObjectProvider<BackpressureController> controller) {
			return new PrioritizedWorker(controller);
		}

	}

	/** A provider that a subclass proxy guards; always failing. */
	static class ClassProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			throw new IllegalStateException("upstream down");
		}

	}

	/** A provider that only an interface-based proxy can guard. */
	static final class FinalProvider implements Provider, AutoCloseable {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "reply";
		}

		@Override
		public void close() {
		}

	}

	/** A {@code @Prioritized} bean that nothing else proxies. */
	static class PrioritizedWorker {

		private final ObjectProvider<BackpressureController> controller;

		PrioritizedWorker(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		@Prioritized
		public int depthDuringCall() {
			return this.controller.getObject().depth();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrioritizedProviderConfiguration {

		@Bean
		PrioritizedFinalProvider prioritizedFinalProvider(ObjectProvider<BackpressureController> controller) {
			return new PrioritizedFinalProvider(controller);
		}

		@Bean
		PrioritizedClassProvider prioritizedClassProvider(ObjectProvider<BackpressureController> controller) {
			return new PrioritizedClassProvider(controller);
		}

	}

	/** A provider whose calls are prioritized, guarded by a subclass proxy. */
	static class PrioritizedClassProvider implements Provider {

		private final ObjectProvider<BackpressureController> controller;

		PrioritizedClassProvider(ObjectProvider<BackpressureController> controller) {
			this.controller = controller;
		}

		@Override
		@Prioritized
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "depth " + this.controller.getObject().depth();
		}

	}

	/** The same provider, final, so that only an interface-based proxy can guard it. */
	static final class PrioritizedFinalProvider extends PrioritizedClassProvider {

		PrioritizedFinalProvider(ObjectProvider<BackpressureController> controller) {
			super(controller);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MadeBeansConfiguration {

		@Bean
		FactoryBean<MadeProvider> madeProvider() {
			return new MadeFactoryBean<>(MadeProvider.class, MadeProvider::new);
		}

		@Bean
		FactoryBean<MadeWorker> madeWorker(ObjectProvider<BackpressureController> controller) {
			return new MadeFactoryBean<>(MadeWorker.class, () -> new MadeWorker(controller));
		}

		@Bean
		@Scope(value = ConfigurableBeanFactory.SCOPE_PROTOTYPE, proxyMode = ScopedProxyMode.TARGET_CLASS)
		ScopedProvider scopedProvider() {
			return new ScopedProvider();
		}

	}

	/** A factory bean that declares the class of what it makes, and makes it on first use. */
	static final class MadeFactoryBean<T> implements FactoryBean<T> {

		private final Class<T> type;

		private final Supplier<T> maker;

		MadeFactoryBean(Class<T> type, Supplier<T> maker) {
			this.type = type;
			this.maker = maker;
		}

		@Override
		public T getObject() {
			return this.maker.get();
		}

		@Override
		public Class<?> getObjectType() {
			return this.type;
		}

	}

	public static class MadeProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "made";
		}

	}

	public static class MadeWorker extends PrioritizedWorker {

		MadeWorker(ObjectProvider<BackpressureController> controller) {
			super(controller);
		}

	}

	/** A provider behind a scoped proxy, which gets the breaker as advice: no class of its own. */
	public static class ScopedProvider implements Provider {

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			throw new IllegalStateException("upstream down");
		}

	}

	/** An exception that {@code ignore-exceptions} names. */
	static class IgnoredFailure extends RuntimeException {

	}

}
