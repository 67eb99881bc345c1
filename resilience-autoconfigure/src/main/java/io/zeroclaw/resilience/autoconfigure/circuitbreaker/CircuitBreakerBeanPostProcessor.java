package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.zeroclaw.resilience.autoconfigure.ProxyShapes;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Instance;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.provider.Provider;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.Advisor;
import org.springframework.aop.SpringProxy;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.scope.ScopedProxyFactoryBean;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.target.EmptyTargetSource;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.SmartInstantiationAwareBeanPostProcessor;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * Wraps every {@link Provider} bean, and every Spring AI model bean ({@link #SPRING_AI_TYPES}: chat, embedding,
 * image, moderation, speech and transcription models) when Spring AI is on the classpath, in a proxy that sends its
 * upstream calls through a breaker named after the bean. The breaker comes from the {@link CircuitBreakerRegistry}, so
 * it is created once and shared by every instance of the bean. A bean with {@code instances.<beanName>.enabled=false}
 * is left alone. A scoped bean with a scoped proxy gets its breaker on the proxy only, not on each scoped target.
 * <p>
 * The proxy subclasses the bean's class when it can, so the bean still injects by its own class; a final class is
 * proxied by its interfaces. A bean that already is a Spring AOP proxy gets the breaker as its last advice, next to the
 * bean, instead of a second proxy; one without a target gets it just before the advice that makes the call. Its
 * collaborators are looked up on first use, so that registering this post-processor early does not create them early.
 * <p>
 * Once every singleton exists, an {@code instances.<name>} entry that matched no upstream bean is logged at WARN: a
 * misspelt bean name would otherwise leave its settings silently unused. Lazy and prototype beans, which may not
 * exist yet, are not reported; their breakers are created then, found by bean definition, so that the endpoint,
 * the health contributor and the meters show them from start-up (under {@code spring.main.lazy-initialization} too),
 * and an operator can force one before its bean is first used. The bean gets that breaker when it is created. A
 * definition cannot tell everything a bean will be: the product of a {@code FactoryBean} still gets its breaker when
 * it is first made, and a lazy bean that turns out to be another, already guarded bean (an alias returned by a
 * {@code @Bean} method) keeps a breaker that guards nothing.
 * <p>
 * Under ahead-of-time processing, {@link #determineBeanType} makes the proxy class of every upstream bean class at
 * build time, so that Spring writes it out with the generated code (a native image cannot define a class at run
 * time) and registers the hints it needs; a bean declared only by an interface type cannot be prepared this way.
 */
public class CircuitBreakerBeanPostProcessor
		implements SmartInstantiationAwareBeanPostProcessor, Ordered, BeanFactoryAware, BeanClassLoaderAware,
		SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(CircuitBreakerBeanPostProcessor.class);

	/** How many upstream beans a warning of an {@code instances} key that names none of them lists. */
	private static final int NAMES_SHOWN = 10;

	/** The Spring AI model types guarded when Spring AI is on the classpath, beside {@link Provider}. */
	static final String[] SPRING_AI_TYPES = { "org.springframework.ai.chat.model.ChatModel",
			"org.springframework.ai.chat.model.StreamingChatModel", "org.springframework.ai.embedding.EmbeddingModel",
			"org.springframework.ai.embedding.DocumentEmbeddingModel", "org.springframework.ai.image.ImageModel",
			"org.springframework.ai.moderation.ModerationModel", "org.springframework.ai.audio.tts.TextToSpeechModel",
			"org.springframework.ai.audio.tts.StreamingTextToSpeechModel",
			"org.springframework.ai.audio.transcription.TranscriptionModel",
			"org.springframework.ai.audio.transcription.StreamingTranscriptionModel" };

	/**
	 * The attribute of the bean definition of a bean that this post-processor proxied by its interfaces, holding the
	 * bean's class: read by {@link GuardedBeanInjectionFailureAnalyzer} when the bean cannot be injected by its class.
	 */
	static final String INTERFACE_PROXY_ATTRIBUTE = CircuitBreakerBeanPostProcessor.class.getName() + ".interfaceProxy";

	private final ObjectProvider<ResilienceProperties> properties;

	private final ObjectProvider<CircuitBreakerFactory> factory;

	private final ObjectProvider<CircuitBreakerRegistry> registry;

	private final List<Class<?>> upstreamTypes;

	/** Names of the upstream beans seen so far, wrapped or not. */
	private final Set<String> upstreamBeans = ConcurrentHashMap.newKeySet();

	private @Nullable BeanFactory beanFactory;

	/** The {@code instances} keys by their relaxed form, made on first use. */
	private volatile @Nullable InstanceKeys instanceKeys;

	/** Where proxy classes are made: the application's class loader, which goes with the application. */
	private @Nullable ClassLoader beanClassLoader = ClassUtils.getDefaultClassLoader();

	/**
	 * @param properties the bound properties
	 * @param factory creates a bean's breaker
	 * @param registry keeps the breakers
	 * @param classLoader looks for Spring AI
	 */
	public CircuitBreakerBeanPostProcessor(ObjectProvider<ResilienceProperties> properties,
			ObjectProvider<CircuitBreakerFactory> factory, ObjectProvider<CircuitBreakerRegistry> registry,
			@Nullable ClassLoader classLoader) {
		this.properties = properties;
		this.factory = factory;
		this.registry = registry;
		List<Class<?>> types = new ArrayList<>();
		types.add(Provider.class);
		for (String name : SPRING_AI_TYPES) {
			if (ClassUtils.isPresent(name, classLoader)) {
				types.add(ClassUtils.resolveClassName(name, classLoader));
			}
		}
		this.upstreamTypes = List.copyOf(types);
	}

	@Override
	public int getOrder() {
		// run last, so that the bean's other proxies exist and the breaker joins them rather than wrapping them
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void setBeanClassLoader(ClassLoader classLoader) {
		this.beanClassLoader = classLoader;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!isUpstream(bean)) {
			return bean;
		}
		String name = beanName;
		if (ScopedProxyUtils.isScopedTarget(beanName)) {
			// A scoped bean (request, session, prototype with a proxy mode) is guarded once, on the proxy that
			// callers hold under the bean's own name; its targets come and go behind it. Unless that proxy is out of
			// reach (see isGuardedOnTargets): then each target is guarded, by the breaker of the bean's own name.
			name = ScopedProxyUtils.getOriginalBeanName(beanName);
			if (!isGuardedOnTargets(name)) {
				return bean;
			}
		}
		else if (isGuardedOnTargets(beanName)) {
			return bean;
		}
		this.upstreamBeans.add(name);
		if (isWrapped(bean) || !isEnabled(name)) {
			return bean;
		}
		CircuitBreaker breaker = breaker(name);
		Class<?> beanClass = bean.getClass();
		CircuitBreakerInterceptor interceptor = new CircuitBreakerInterceptor(breaker, applicableTypes(beanClass));
		if (bean instanceof Advised advised && !advised.isFrozen()) {
			// Already a Spring AOP proxy: guard it last, next to the bean, so that what its other advice answers
			// (a cache hit) or refuses is neither counted nor refused. A proxy without a target (an HTTP interface
			// client) ends in the advice that makes the call and never proceeds: guard it just before that one.
			int index = (advised.getTargetSource() instanceof EmptyTargetSource)
					? Math.max(0, advised.getAdvisorCount() - 1) : advised.getAdvisorCount();
			advised.addAdvisor(index, new DefaultPointcutAdvisor(interceptor));
			return bean;
		}
		ProxyFactory proxyFactory = new ProxyFactory(bean);
		configure(proxyFactory, beanClass, interceptor);
		if (!proxyFactory.isProxyTargetClass()) {
			requireCallbacksOnInterfaces(name, beanClass, proxyFactory.getProxiedInterfaces(),
					ProxyShapes.isScheduling(this.beanFactory));
			ProxyShapes.setDefinitionAttribute(this.beanFactory, beanName, INTERFACE_PROXY_ATTRIBUTE, beanClass);
		}
		ProxyShapes.exposeTargetClass(this.beanFactory, beanName, beanClass);
		return proxyFactory.getProxy(proxyClassLoader(beanClass));
	}

	/**
	 * Fails when a bean proxied by its interfaces has {@code @EventListener} or {@code @Scheduled} methods that the
	 * proxy cannot take (see {@link ProxyShapes#callbacksTheProxyCannotTakeMessage}): the container, handed the proxy,
	 * could not call them, and Spring would refuse them with a message that names neither the breaker nor a way out.
	 */
	private static void requireCallbacksOnInterfaces(String beanName, Class<?> beanClass, Class<?>[] interfaces,
			boolean scheduling) {
		String unreachable = ProxyShapes.callbacksTheProxyCannotTakeMessage(beanClass, interfaces, scheduling);
		if (unreachable != null) {
			String[] why = ProxyShapes.whyInterfaceProxy(beanClass);
			throw new IllegalStateException("Bean '" + beanName + "' is proxied by its circuit breaker, and only by "
					+ "its interfaces, since " + why[0] + "; but the container could not call " + unreachable + ". "
					+ why[1] + ", declare the methods on an interface it implements (not a suspend function), or turn "
					+ "its breaker off with zeroclaw.resilience.circuit-breaker.instances." + beanName
					+ ".enabled=false.");
		}
	}

	/**
	 * Makes, at build time, the class of the proxy that {@link #postProcessAfterInitialization} will make of a bean of
	 * this class at run time. Spring's ahead-of-time processing asks every such post-processor, and writes out the
	 * proxy classes made while it does, so that a native image, which cannot define classes at run time, finds them.
	 * The proxy is configured as the real one is (the same interfaces, target class and advice type), which makes it
	 * the same class. Whether the bean's breaker is enabled is not asked here: a class made for nothing costs nothing,
	 * and one missing would fail a native image.
	 * @param beanClass the bean's class, as its definition says
	 * @param beanName the bean's name
	 * @return the class of the proxy, or {@code beanClass} when the bean will not get one of its own
	 */
	@Override
	public Class<?> determineBeanType(Class<?> beanClass, String beanName) {
		if (beanClass.isInterface() || SpringProxy.class.isAssignableFrom(beanClass) || !isUpstreamType(beanClass)
				|| (ScopedProxyUtils.isScopedTarget(beanName)
						&& !isGuardedOnTargets(ScopedProxyUtils.getOriginalBeanName(beanName)))) {
			// An interface type says nothing of the class the bean will have; a proxy gets the breaker as advice.
			// What a factory bean makes comes here as the class the factory declares.
			return beanClass;
		}
		ProxyFactory proxyFactory = new ProxyFactory();
		proxyFactory.setTargetClass(beanClass);
		proxyFactory.setInterfaces(ClassUtils.getAllInterfacesForClass(beanClass));
		configure(proxyFactory, beanClass, new CircuitBreakerInterceptor(null, applicableTypes(beanClass)));
		return proxyFactory.getProxyClass(proxyClassLoader(beanClass));
	}

	/**
	 * The class loader a proxy of the class is made in: the application's, not the bean class's. A library class (a
	 * Spring AI model) lives in a loader that outlives the application, and a proxy class made there would keep each
	 * restarted application (Spring Boot DevTools) and its class loader alive for good, through the advice type it
	 * holds. A class that only its own package may subclass (not public, or with a package-private constructor) is
	 * proxied in its own loader, since a subclass made in another would be in another runtime package.
	 */
	private @Nullable ClassLoader proxyClassLoader(Class<?> beanClass) {
		ClassLoader own = beanClass.getClassLoader();
		ClassLoader application = this.beanClassLoader;
		if (application == null || application == own || !Modifier.isPublic(beanClass.getModifiers())
				|| !ClassUtils.isVisible(beanClass, application)) {
			return own;
		}
		for (Constructor<?> constructor : beanClass.getDeclaredConstructors()) {
			if (isPackagePrivate(constructor.getModifiers())) {
				return own;
			}
		}
		for (Class<?> type : ClassUtils.getAllInterfacesForClassAsSet(beanClass)) {
			if (!Modifier.isPublic(type.getModifiers())) {
				// a proxy implementing a non-public interface must be made where the interface is
				return own;
			}
		}
		for (Class<?> type = beanClass; type != null && type != Object.class; type = type.getSuperclass()) {
			for (Method method : type.getDeclaredMethods()) {
				int modifiers = method.getModifiers();
				if (Modifier.isStatic(modifiers) || Modifier.isPrivate(modifiers)) {
					continue;
				}
				if (isPackagePrivate(modifiers)) {
					// a subclass in another runtime package would not override it: its package's calls would run
					// on the proxy itself
					return own;
				}
				if (!Modifier.isFinal(modifiers) && !hasPublicTypes(method)) {
					// the override would name a type only the class's own package may use
					return own;
				}
			}
		}
		return application;
	}

	private static boolean hasPublicTypes(Method method) {
		if (!isPublicType(method.getReturnType())) {
			return false;
		}
		for (Class<?> type : method.getParameterTypes()) {
			if (!isPublicType(type)) {
				return false;
			}
		}
		for (Class<?> type : method.getExceptionTypes()) {
			if (!isPublicType(type)) {
				return false;
			}
		}
		return true;
	}

	private static boolean isPublicType(Class<?> type) {
		for (Class<?> element = type; element != null; element = element.getComponentType()) {
			for (Class<?> enclosing = element; enclosing != null; enclosing = enclosing.getEnclosingClass()) {
				if (!enclosing.isPrimitive() && !Modifier.isPublic(enclosing.getModifiers())) {
					return false;
				}
			}
		}
		return true;
	}

	private static boolean isPackagePrivate(int modifiers) {
		return !Modifier.isPublic(modifiers) && !Modifier.isProtected(modifiers) && !Modifier.isPrivate(modifiers);
	}

	/** How the breaker's proxy of a bean of this class is made, at run time and at build time alike. */
	private void configure(ProxyFactory proxyFactory, Class<?> beanClass, CircuitBreakerInterceptor interceptor) {
		if (ProxyShapes.needsInterfaceProxy(beanClass, applicableTypes(beanClass), (method) -> true)) {
			proxyFactory.setInterfaces(ProxyShapes.interfaces(beanClass, proxyClassLoader(beanClass)));
		}
		else {
			proxyFactory.setProxyTargetClass(true);
		}
		proxyFactory.addAdvice(interceptor);
	}

	/**
	 * Whether the scoped bean of this name is guarded on each of its targets rather than on its scoped proxy: when
	 * the proxy is not Spring's plain {@link ScopedProxyFactoryBean}'s, or its definition is synthetic. Spring Cloud's
	 * refresh scope does both: its proxy's definition is marked synthetic, which no post-processor sees the object of,
	 * and its proxy's first advice calls the target itself, never reaching advice added after it.
	 * @param beanName the name the scoped proxy is registered under (the bean's own name)
	 * @return whether its targets get the breaker
	 */
	private boolean isGuardedOnTargets(String beanName) {
		if (!(this.beanFactory instanceof ConfigurableListableBeanFactory factory)
				|| !factory.containsBeanDefinition(beanName)
				|| !factory.containsBeanDefinition(ScopedProxyUtils.getTargetBeanName(beanName))) {
			return false;
		}
		BeanDefinition definition = factory.getMergedBeanDefinition(beanName);
		return (definition instanceof AbstractBeanDefinition abstractDefinition && abstractDefinition.isSynthetic())
				|| !ScopedProxyFactoryBean.class.getName().equals(definition.getBeanClassName());
	}

	private boolean isUpstream(Object bean) {
		return isUpstreamType(bean.getClass());
	}

	private boolean isUpstreamType(Class<?> beanClass) {
		for (Class<?> type : this.upstreamTypes) {
			if (type.isAssignableFrom(beanClass)) {
				return true;
			}
		}
		return false;
	}

	private List<Class<?>> applicableTypes(Class<?> beanClass) {
		return this.upstreamTypes.stream().filter((type) -> type.isAssignableFrom(beanClass)).toList();
	}

	private static boolean isWrapped(Object bean) {
		if (bean instanceof Advised advised) {
			for (Advisor advisor : advised.getAdvisors()) {
				if (advisor.getAdvice() instanceof CircuitBreakerInterceptor) {
					return true;
				}
			}
		}
		return false;
	}

	private boolean isEnabled(String beanName) {
		BeanFactory beanFactory = this.beanFactory;
		InstanceKeys keys = InstanceKeys.of(this.properties.getObject().getCircuitBreaker().getInstances(),
				this.instanceKeys);
		this.instanceKeys = keys;
		Instance instance = keys.find(beanName, (name) -> beanFactory != null && beanFactory.containsBean(name));
		return instance == null || instance.getEnabled() == null || instance.getEnabled();
	}

	@Override
	public void afterSingletonsInstantiated() {
		int notCreatedYet = createBreakersOfBeansNotCreatedYet();
		List<String> unguarded = upstreamBeansCreatedEarly();
		for (String bean : unguarded) {
			logger.warn("Bean '{}' has no circuit breaker: it was created before the breakers were set up (as a "
					+ "dependency of a BeanPostProcessor, say), or registered as a finished instance, which no "
					+ "post-processor sees (as a test's @MockitoBean is)", bean);
		}
		if (this.upstreamBeans.isEmpty() && unguarded.isEmpty() && notCreatedYet == 0
				&& this.registry.getObject().breakers().isEmpty()) {
			// none made by hand either (the advice below): a breaker the application made at start-up guards its call
			logger.warn("zeroclaw.resilience.circuit-breaker.enabled is true, but no bean is a {}, so no circuit "
					+ "breaker guards anything. Have the upstream client implement {} (or use Spring AI's models), "
					+ "or use the CircuitBreakerRegistry bean by hand",
					this.upstreamTypes.stream().map(Class::getSimpleName).toList(), Provider.class.getName());
		}
		warnOfInstancesNamingNoBean(unguarded);
	}

	/**
	 * Warns of each {@code instances} key that names no bean a breaker guards, none created yet or to be created later.
	 * The beans' relaxed names are gathered once, and each warning names at most {@value #NAMES_SHOWN} of the beans,
	 * so that neither the work nor the log grows with keys times beans.
	 */
	private void warnOfInstancesNamingNoBean(List<String> unguarded) {
		Set<String> guarded = new HashSet<>();
		this.upstreamBeans.forEach((bean) -> guarded.add(InstanceKeys.relaxed(bean)));
		unguarded.forEach((bean) -> guarded.add(InstanceKeys.relaxed(bean)));
		Map<String, List<String>> definitions = null;
		String beans = null;
		for (String name : this.properties.getObject().getCircuitBreaker().getInstances().keySet()) {
			String relaxed = InstanceKeys.relaxed(name);
			if (guarded.contains(relaxed)) {
				continue;
			}
			if (definitions == null) {
				definitions = definitionsByRelaxedName();
			}
			if (definitions == null || mayStillBeCreated(definitions.getOrDefault(relaxed, List.of()))) {
				continue;
			}
			if (beans == null) {
				beans = shown(this.upstreamBeans.stream().sorted().toList());
			}
			logger.warn("zeroclaw.resilience.circuit-breaker.instances.{} names no bean a breaker guards, so its "
					+ "settings are not used. Check the bean name; the Provider and Spring AI model beans are {}",
					name, beans);
		}
	}

	/** At most {@value #NAMES_SHOWN} names, and how many there are when that is more. */
	private static String shown(List<String> names) {
		if (names.size() <= NAMES_SHOWN) {
			return names.toString();
		}
		return names.subList(0, NAMES_SHOWN).toString().replaceFirst("]$", ", ... (" + names.size() + " in all)]");
	}

	/** The bean's breaker, made the first time by the factory, which may be the application's own. */
	private CircuitBreaker breaker(String name) {
		CircuitBreakerFactory breakers = this.factory.getObject();
		return this.registry.getObject().computeIfAbsent(name, (key) -> {
			CircuitBreaker created = breakers.create(key);
			if (created == null) {
				throw new IllegalStateException("The CircuitBreakerFactory " + breakers.getClass().getName()
						+ " made no breaker for the bean '" + key + "': it returned null");
			}
			return created;
		});
	}

	/**
	 * Creates the breaker of every upstream bean that is defined but does not exist yet (a lazy or prototype bean), as
	 * wrapping it will: a bean's breaker is named after it and created once, whenever the bean is.
	 * @return how many such beans there are, factory beans whose object may not exist yet included
	 */
	private int createBreakersOfBeansNotCreatedYet() {
		if (!(this.beanFactory instanceof ConfigurableListableBeanFactory factory)) {
			return 0;
		}
		int found = 0;
		for (Class<?> type : this.upstreamTypes) {
			// allowEagerInit false: find the beans by their definitions, without creating any of them
			for (String bean : factory.getBeanNamesForType(type, true, false)) {
				if (ScopedProxyUtils.isScopedTarget(bean)) {
					String scoped = ScopedProxyUtils.getOriginalBeanName(bean);
					if (isGuardedOnTargets(scoped) && isEnabled(scoped)) {
						breaker(scoped);
					}
					continue;
				}
				boolean exists = factory.containsSingleton(bean);
				if (!exists || factory.isFactoryBean(bean)) {
					// a factory bean (a scoped proxy is one) makes its object on first use, not at start-up
					found++;
				}
				if (!exists && isEnabled(bean)) {
					breaker(bean);
				}
			}
		}
		return found;
	}

	/** @return the upstream singletons that exist but never passed through this post-processor */
	private List<String> upstreamBeansCreatedEarly() {
		if (!(this.beanFactory instanceof ConfigurableListableBeanFactory factory)) {
			return List.of();
		}
		List<String> early = new ArrayList<>();
		for (Class<?> type : this.upstreamTypes) {
			for (String bean : factory.getBeanNamesForType(type, false, false)) {
				if (!this.upstreamBeans.contains(bean) && !early.contains(bean) && factory.containsSingleton(bean)
						&& !factory.isFactoryBean(bean) && !ScopedProxyUtils.isScopedTarget(bean)) {
					early.add(bean);
				}
			}
		}
		return early;
	}

	/**
	 * The names of the bean definitions by their relaxed form, or {@code null} when the factory cannot list them.
	 */
	private @Nullable Map<String, List<String>> definitionsByRelaxedName() {
		if (!(this.beanFactory instanceof ConfigurableListableBeanFactory factory)) {
			return null;
		}
		Map<String, List<String>> definitions = new HashMap<>();
		for (String bean : factory.getBeanDefinitionNames()) {
			definitions.computeIfAbsent(InstanceKeys.relaxed(bean), (relaxed) -> new ArrayList<>(1)).add(bean);
		}
		return definitions;
	}

	/**
	 * Whether one of these beans (a name's relaxed forms) is defined but not created at start-up (lazy, prototype or
	 * scoped): it may yet be an upstream bean.
	 */
	private boolean mayStillBeCreated(List<String> beans) {
		ConfigurableListableBeanFactory factory = (ConfigurableListableBeanFactory) this.beanFactory;
		for (String bean : beans) {
			// a factory bean (a scoped proxy is one) makes its object on first use, not at start-up
			if (!factory.containsSingleton(bean) || factory.isFactoryBean(bean)) {
				return true;
			}
		}
		return false;
	}

}
