package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Instance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a breaker finds its bean's {@code instances} entry, through the index of keys by relaxed name: the exact name
 * first, then the first relaxed spelling that is no bean's exact name, whatever the default locale; a rebinding (as
 * a refresh does it) seen by beans created after it; lookups from many threads at once; the warning of an entry that
 * names no bean.
 */
@ExtendWith(OutputCaptureExtension.class)
class InstanceLookupRulesTests {

	public static class LateProvider extends AnsweringProvider {
	}

	private static Instance threshold(int failures) {
		Instance instance = new Instance();
		instance.setFailureThreshold(failures);
		return instance;
	}

	private static PropertiesCircuitBreakerFactory factory(ResilienceProperties.CircuitBreaker properties,
			String... beans) {
		PropertiesCircuitBreakerFactory factory = new PropertiesCircuitBreakerFactory(properties, null,
				System::nanoTime);
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		for (String bean : beans) {
			beanFactory.registerSingleton(bean, new Object());
		}
		factory.setBeanFactory(beanFactory);
		return factory;
	}

	@Test
	void anEntryARebindingAddsShouldBeSeenByTheNextPrototype() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.early-provider.failure-threshold=2")
			.withInitializer((context) -> {
				RootBeanDefinition definition = new RootBeanDefinition(LateProvider.class);
				definition.setScope(BeanDefinition.SCOPE_PROTOTYPE);
				((BeanDefinitionRegistry) context).registerBeanDefinition("lateProvider", definition);
			})
			.run((context) -> {
				assertThat(AopUtils.isAopProxy(context.getBean("lateProvider"))).isTrue();
				context.getEnvironment()
					.getPropertySources()
					.addFirst(new MapPropertySource("refreshed",
							Map.of("zeroclaw.resilience.circuit-breaker.instances.late-provider.enabled", "false")));
				String name = context.getBeanNamesForType(ResilienceProperties.class)[0];
				ResilienceProperties properties = context.getBean(ResilienceProperties.class);
				context.getAutowireCapableBeanFactory().destroyBean(properties);
				context.getAutowireCapableBeanFactory().initializeBean(properties, name);
				assertThat(AopUtils.isAopProxy(context.getBean("lateProvider"))).isFalse();
			});
	}

	@Test
	void upperCaseKeysMatchUnderATurkishDefaultLocale() {
		Locale locale = Locale.getDefault();
		try {
			Locale.setDefault(Locale.forLanguageTag("tr-TR"));
			ResilienceProperties.CircuitBreaker properties = new ResilienceProperties.CircuitBreaker();
			properties.getInstances().put("ISTANBUL_PROVIDER", threshold(7));
			assertThat(factory(properties, "istanbulProvider").config("istanbulProvider").failureThreshold())
				.isEqualTo(7);
		}
		finally {
			Locale.setDefault(locale);
		}
	}

	@Test
	void theExactNameWinsThenTheFirstRelaxedKeyThatIsNoBeanName() {
		ResilienceProperties.CircuitBreaker properties = new ResilienceProperties.CircuitBreaker();
		properties.getInstances().put("MistralChat", threshold(2));
		properties.getInstances().put("mistral_chat", threshold(3));
		properties.getInstances().put("mistral-chat", threshold(4));
		properties.getInstances().put("démo-provider", threshold(6));
		properties.getInstances().put("--", threshold(8));
		PropertiesCircuitBreakerFactory factory = factory(properties, "mistralChat", "MistralChat");
		assertThat(factory.config("mistralChat").failureThreshold()).isEqualTo(3);
		assertThat(factory.config("MistralChat").failureThreshold()).isEqualTo(2);
		assertThat(factory.config("DémoProvider").failureThreshold()).isEqualTo(6);
		assertThat(factory.config("_").failureThreshold()).isEqualTo(8);
		assertThat(factory.config("mistral").failureThreshold()).isEqualTo(5);
	}

	@Test
	void prototypesCreatedOnManyThreadsAllSeeTheirDisabledEntry() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.late-provider.enabled=false",
					"zeroclaw.resilience.circuit-breaker.instances.other-provider.failure-threshold=2")
			.withInitializer((context) -> {
				BeanDefinitionRegistry registry = (GenericApplicationContext) context;
				for (String name : new String[] { "lateProvider", "otherProvider" }) {
					RootBeanDefinition definition = new RootBeanDefinition(LateProvider.class);
					definition.setScope(BeanDefinition.SCOPE_PROTOTYPE);
					registry.registerBeanDefinition(name, definition);
				}
			})
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ExecutorService pool = Executors.newFixedThreadPool(8);
				CountDownLatch start = new CountDownLatch(1);
				List<CompletableFuture<Boolean>> results = new ArrayList<>();
				for (int i = 0; i < 400; i++) {
					String name = (i % 2 == 0) ? "lateProvider" : "otherProvider";
					results.add(CompletableFuture.supplyAsync(() -> {
						try {
							start.await();
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
						return AopUtils.isAopProxy(context.getBean(name)) == name.equals("otherProvider");
					}, pool));
				}
				start.countDown();
				assertThat(results).allMatch(CompletableFuture::join);
				pool.shutdown();
			});
	}

	@Test
	void aStaleKeyBesideFewBeansListsThemAll(CapturedOutput output) {
		warnWith(3);
		assertThat(output.getOut()).contains("instances.retired-provider names no bean")
			.contains("are [p0, p1, p2]" + System.lineSeparator());
		assertThat(output.getOut().lines().filter((line) -> line.contains("names no bean")).count()).isEqualTo(1);
	}

	@Test
	void aStaleKeyBesideElevenBeansListsTenAndTheCount(CapturedOutput output) {
		warnWith(11);
		assertThat(output.getOut()).contains("are [p0, p1, p10, p2, p3, p4, p5, p6, p7, p8, ... (11 in all)]");
	}

	private static void warnWith(int beans) {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.instances.retired-provider.failure-threshold=2",
					"zeroclaw.resilience.circuit-breaker.instances.p-0.failure-threshold=2")
			.withInitializer((context) -> {
				BeanDefinitionRegistry registry = (GenericApplicationContext) context;
				for (int i = 0; i < beans; i++) {
					registry.registerBeanDefinition("p" + i, new RootBeanDefinition(LateProvider.class));
				}
			})
			.run((context) -> assertThat(context).hasNotFailed());
	}

}
