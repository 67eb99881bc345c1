package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.scope.ScopedProxyFactoryBean;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.Scope;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A scoped bean whose scoped proxy a post-processor cannot guard, as Spring Cloud's refresh scope makes it: the
 * proxy's definition is synthetic (no post-processor sees its object), and the proxy's first advice calls the target
 * itself, so advice added after it is never reached. Each target then gets the breaker, under the bean's own name,
 * and keeps it across a refresh. The scope here does what Spring Cloud's does to the proxy, without Spring Cloud.
 */
class RefreshScopedBeanTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1");

	@Test
	void aRefreshScopedProviderWhoseProxyIsSyntheticShouldBeGuardedOnItsTargets() {
		this.contextRunner.withUserConfiguration(SyntheticProxyConfiguration.class).run((context) -> {
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("refreshed"))
				.as("the breaker, from start-up, under the bean's own name")
				.isPresent();
			Provider provider = context.getBean("refreshed", Provider.class);
			assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("x", "m", 0));
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> provider.simpleChat("x", "m", 0));
			assertThat(context.getBean(AtomicInteger.class)).as("calls that reached the upstream").hasValue(1);
			// a refresh drops the target; the next one is guarded by the same, still open, breaker
			context.getBeanFactory().getRegisteredScope("refresh").remove("scopedTarget.refreshed");
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> provider.simpleChat("x", "m", 0));
			assertThat(context.getBean(AtomicInteger.class)).hasValue(1);
			assertThat(context.getBean(CircuitBreakerRegistry.class).breakers()).containsOnlyKeys("refreshed");
		});
	}

	@Test
	void aRefreshScopedProviderWhoseProxyAdviceCallsTheTargetItselfShouldBeGuardedOnItsTargets() {
		this.contextRunner.withUserConfiguration(VisibleProxyConfiguration.class).run((context) -> {
			Provider provider = context.getBean("refreshed", Provider.class);
			assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("x", "m", 0));
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("refreshed").orElseThrow().state())
				.isEqualTo(CircuitState.OPEN);
			assertThatExceptionOfType(CircuitOpenException.class).isThrownBy(() -> provider.simpleChat("x", "m", 0));
			assertThat(context.getBean(AtomicInteger.class)).hasValue(1);
		});
	}

	@Test
	void theInstanceSettingsOfTheBeansOwnNameShouldApplyToItsTargets() {
		this.contextRunner.withUserConfiguration(SyntheticProxyConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.refreshed.failure-threshold=3")
			.run((context) -> assertThat(context.getBean(CircuitBreakerRegistry.class)
				.find("refreshed")
				.orElseThrow()
				.config()
				.failureThreshold()).isEqualTo(3));
		this.contextRunner.withUserConfiguration(SyntheticProxyConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.refreshed.enabled=false")
			.run((context) -> {
				Provider provider = context.getBean("refreshed", Provider.class);
				for (int i = 0; i < 3; i++) {
					assertThatIllegalStateException().isThrownBy(() -> provider.simpleChat("x", "m", 0));
				}
				assertThat(context.getBean(CircuitBreakerRegistry.class).breakers()).isEmpty();
			});
	}

	@Test
	void aTargetTheBreakerCannotProxyWithItsCallbacksShouldFailNamingTheBeansOwnInstanceSettings() {
		this.contextRunner.withUserConfiguration(ListeningProviderConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("Bean 'listening' is proxied by its circuit breaker")
				.hasMessageContaining("instances.listening.enabled=false")
				.hasMessageNotContaining("scopedTarget");
		});
	}

	static class FailingProvider implements Provider {

		private final AtomicInteger calls;

		FailingProvider(AtomicInteger calls) {
			this.calls = calls;
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			this.calls.incrementAndGet();
			throw new IllegalStateException("upstream answered 500");
		}

	}

	/**
	 * A provider whose final method implements the upstream one, so that the breaker proxies it by its interfaces, and
	 * whose listener method is on no interface, so that such a proxy cannot take it.
	 */
	static class ListeningProvider implements Provider {

		@Override
		public final String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "reply";
		}

		@EventListener
		public void onRefreshed(ContextRefreshedEvent event) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ListeningProviderConfiguration {

		@Bean
		static RefreshScopeRegistrar refreshScopeRegistrar() {
			return new RefreshScopeRegistrar(true, new RefreshLikeScope());
		}

		@Bean
		@org.springframework.context.annotation.Scope(scopeName = "refresh", proxyMode = ScopedProxyMode.TARGET_CLASS)
		ListeningProvider listening() {
			return new ListeningProvider();
		}

	}

	/** Keeps one target per name until it is removed, as a refresh scope does until a refresh. */
	static class RefreshLikeScope implements Scope {

		private final Map<String, Object> targets = new ConcurrentHashMap<>();

		@Override
		public Object get(String name, ObjectFactory<?> objectFactory) {
			return this.targets.computeIfAbsent(name, (key) -> objectFactory.getObject());
		}

		@Override
		public Object remove(String name) {
			return this.targets.remove(name);
		}

		@Override
		public void registerDestructionCallback(String name, Runnable callback) {
		}

		@Override
		public Object resolveContextualObject(String key) {
			return null;
		}

		@Override
		public String getConversationId() {
			return "refresh";
		}

	}

	/** A scoped proxy whose own first advice calls the current target reflectively, under a lock, and returns. */
	static class TargetCallingScopedProxyFactoryBean extends ScopedProxyFactoryBean implements MethodInterceptor {

		@Override
		public void setBeanFactory(BeanFactory beanFactory) {
			super.setBeanFactory(beanFactory);
			if (getObject() instanceof Advised advised) {
				advised.addAdvice(0, this);
			}
		}

		@Override
		public Object invoke(MethodInvocation invocation) throws Throwable {
			Method method = invocation.getMethod();
			if (AopUtils.isEqualsMethod(method) || AopUtils.isHashCodeMethod(method)
					|| AopUtils.isToStringMethod(method) || !(getObject() instanceof Advised advised)) {
				return invocation.proceed();
			}
			synchronized (this) {
				try {
					ReflectionUtils.makeAccessible(method);
					return ReflectionUtils.invokeMethod(method, advised.getTargetSource().getTarget(),
							invocation.getArguments());
				}
				catch (UndeclaredThrowableException ex) {
					throw ex.getUndeclaredThrowable();
				}
			}
		}

	}

	/** Registers the scope, and swaps the scope's proxies for the target-calling kind, as Spring Cloud does. */
	static class RefreshScopeRegistrar implements BeanDefinitionRegistryPostProcessor {

		private final boolean synthetic;

		private final RefreshLikeScope scope;

		RefreshScopeRegistrar(boolean synthetic, RefreshLikeScope scope) {
			this.synthetic = synthetic;
			this.scope = scope;
		}

		@Override
		public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
			for (String name : registry.getBeanDefinitionNames()) {
				if (registry.getBeanDefinition(name) instanceof RootBeanDefinition root
						&& root.getDecoratedDefinition() != null && root.hasBeanClass()
						&& root.getBeanClass() == ScopedProxyFactoryBean.class
						&& "refresh".equals(root.getDecoratedDefinition().getBeanDefinition().getScope())) {
					root.setBeanClass(TargetCallingScopedProxyFactoryBean.class);
					root.setSynthetic(this.synthetic);
				}
			}
		}

		@Override
		public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
			beanFactory.registerScope("refresh", this.scope);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RefreshedProviderConfiguration {

		@Bean
		AtomicInteger upstreamCalls() {
			return new AtomicInteger();
		}

		@Bean
		@org.springframework.context.annotation.Scope(scopeName = "refresh", proxyMode = ScopedProxyMode.TARGET_CLASS)
		FailingProvider refreshed(AtomicInteger upstreamCalls) {
			return new FailingProvider(upstreamCalls);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SyntheticProxyConfiguration extends RefreshedProviderConfiguration {

		@Bean
		static RefreshScopeRegistrar refreshScopeRegistrar() {
			return new RefreshScopeRegistrar(true, new RefreshLikeScope());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class VisibleProxyConfiguration extends RefreshedProviderConfiguration {

		@Bean
		static RefreshScopeRegistrar refreshScopeRegistrar() {
			return new RefreshScopeRegistrar(false, new RefreshLikeScope());
		}

	}

}
