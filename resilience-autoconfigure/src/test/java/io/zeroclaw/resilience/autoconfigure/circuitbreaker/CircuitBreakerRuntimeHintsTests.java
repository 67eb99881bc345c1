package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.StreamingChatModel;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aot.generate.GenerationContext;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.aot.test.generate.TestGenerationContext;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerRuntimeHintsTests {

	private final RuntimeHints hints = new RuntimeHints();

	@Test
	void registrarShouldBeListedInAotFactories() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(CircuitBreakerRuntimeHints.class);
		assertThat(AotServices.factories().load(BeanFactoryInitializationAotProcessor.class))
			.hasAtLeastOneElementOfType(IgnoredExceptionsAotProcessor.class);
	}

	@Test
	void upstreamTypesShouldBeRegisteredForTheMethodsAnInterfaceProxyInvokes() {
		new CircuitBreakerRuntimeHints().registerHints(this.hints, getClass().getClassLoader());
		for (Class<?> type : new Class<?>[] { Provider.class, ChatModel.class, StreamingChatModel.class,
				EmbeddingModel.class }) {
			assertThat(RuntimeHintsPredicates.reflection()
				.onType(type)
				.withMemberCategory(MemberCategory.INVOKE_PUBLIC_METHODS)).accepts(this.hints);
		}
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Provider.class, "chatWithSystem"))
			.accepts(this.hints);
	}

	@Test
	void aProviderDeclaredByItsInterfaceShouldHaveItsJdkProxyRegistered() {
		new CircuitBreakerRuntimeHints().registerHints(this.hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.proxies()
			.forInterfaces(AopProxyUtils.completeJdkProxyInterfaces(Provider.class))).accepts(this.hints);
		assertThat(RuntimeHintsPredicates.proxies()
			.forInterfaces(AopProxyUtils.completeJdkProxyInterfaces(ChatModel.class))).accepts(this.hints);
	}

	@Test
	void ignoredExceptionsShouldNotBeRegisteredWhenNoneIsNamed() {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerSingleton(ConfigurableApplicationContext.ENVIRONMENT_BEAN_NAME, new MockEnvironment());
		assertThat(new IgnoredExceptionsAotProcessor().processAheadOfTime(beanFactory)).isNull();
	}

	@Test
	void ignoredExceptionsNotOnTheClasspathShouldBeLeftToTheValidator() {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerSingleton(ConfigurableApplicationContext.ENVIRONMENT_BEAN_NAME,
				new MockEnvironment().withProperty(IgnoredExceptionsAotProcessor.PROPERTY, "com.example.Missing"));
		assertThat(new IgnoredExceptionsAotProcessor().processAheadOfTime(beanFactory)).isNull();
	}

	@Test
	void ignoredExceptionsNamedWithSpacesShouldBeRegisteredForLoadingByName() {
		assertThat(RuntimeHintsPredicates.reflection().onType(UpstreamRefusal.class))
			.accepts(ignoredExceptionHints(" " + UpstreamRefusal.class.getName() + " "));
	}

	@Test
	void anIgnoredExceptionNamedByItsCanonicalNameShouldBeRegisteredUnderTheNameTheBreakerLoadsItBy() {
		// the validator and the breakers load it with ClassUtils, which takes Outer.Inner for Outer$Inner; a native
		// image resolves the name written to reachability-metadata.json as a binary name (TypeReference.equals
		// compares canonical names, so a predicate on the type cannot tell the two apart)
		RuntimeHints hints = ignoredExceptionHints(UpstreamRefusal.class.getCanonicalName());
		assertThat(hints.reflection().typeHints().map((hint) -> hint.getType().getName()))
			.containsExactly(UpstreamRefusal.class.getName());
	}

	private static RuntimeHints ignoredExceptionHints(String names) {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerSingleton(ConfigurableApplicationContext.ENVIRONMENT_BEAN_NAME,
				new MockEnvironment().withProperty(IgnoredExceptionsAotProcessor.PROPERTY, names));
		BeanFactoryInitializationAotContribution contribution = new IgnoredExceptionsAotProcessor()
			.processAheadOfTime(beanFactory);
		assertThat(contribution).isNotNull();
		GenerationContext generationContext = new TestGenerationContext();
		contribution.applyTo(generationContext, null);
		return generationContext.getRuntimeHints();
	}

	/** An exception that {@code ignore-exceptions} names. */
	static class UpstreamRefusal extends RuntimeException {

	}

}
