package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.zeroclaw.resilience.autoconfigure.ProxyShapes;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.Advisor;
import org.springframework.aop.SpringProxy;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.interceptor.AsyncExecutionInterceptor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.target.EmptyTargetSource;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.SmartInstantiationAwareBeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;

/**
 * Puts every bean with {@link Prioritized} methods behind the backpressure controller.
 *
 * <h2>Why its own post-processor, and why unordered</h2> Admission must happen in the caller's thread, before an
 * {@code @Async} interceptor queues the task, and the slot must be released when the task ends in the worker thread.
 * Spring's {@code AsyncAnnotationBeanPostProcessor} adds its advisor <em>before every existing advisor</em> of a proxy,
 * so an advisor applied earlier (by the auto-proxy creator, say) would end up inside the async boundary. This
 * post-processor implements neither {@code PriorityOrdered} nor {@code Ordered}, so the container applies it after all
 * ordered post-processors, the async one included (it is {@code Ordered}, whatever order {@code @EnableAsync} sets).
 * By then the proxy's chain is final, and this processor adds two advisors to it:
 * <ol>
 * <li>at position 0, the {@link PrioritizedAdmissionInterceptor}, which admits in the caller's thread, outside the
 * async interceptor;</li>
 * <li>right after the async interceptor (last when there is none), the {@link AsyncCompletionInterceptor}, which runs
 * inside the async task, before any other advice of the worker thread, and releases the slot there.</li>
 * </ol>
 * A bean that is not proxied yet gets a class-based proxy with both advisors (a proxy of its interfaces when its class
 * cannot be subclassed: a record, a final or sealed class). Under ahead-of-time processing,
 * {@link #determineBeanType} makes that proxy's class at build time, so that it is written out with the generated
 * code: a native image cannot define a class at run time.
 */
final class PrioritizedBeanPostProcessor implements SmartInstantiationAwareBeanPostProcessor, BeanClassLoaderAware,
		BeanFactoryAware, AopInfrastructureBean {

	private final Supplier<BackpressureController> controller;

	/** {@code @Async} tasks admitted that have not started yet: queued behind their executor. */
	private final AtomicInteger queued = new AtomicInteger();

	/** A proxy per class of bean with {@code @Prioritized} methods, for the start-up check of their executors. */
	private final Map<Class<?>, Advised> proxies = new ConcurrentHashMap<>();

	/** The check of executors for beans created after start-up (lazy ones), at their first asynchronous call. */
	private final AtomicReference<@Nullable BiConsumer<Class<?>, Advised>> lateExecutorCheck = new AtomicReference<>();

	private final Map<Class<?>, Boolean> eligibleTypes = new ConcurrentHashMap<>();

	private @Nullable ClassLoader classLoader = ClassUtils.getDefaultClassLoader();

	private @Nullable BeanFactory beanFactory;

	/**
	 * @param controller resolves the controller on the first call, so creating this early post-processor does not
	 * create the controller (and its meter registry) early
	 */
	PrioritizedBeanPostProcessor(Supplier<BackpressureController> controller) {
		this.controller = controller;
	}

	/**
	 * Returns how many admitted {@code @Async} tasks have not started yet: they hold a slot while queued behind their
	 * executor.
	 * @return the count, never negative
	 */
	int queuedTasks() {
		return Math.max(0, this.queued.get());
	}

	/**
	 * Returns a proxy of each class of bean with {@code @Prioritized} methods post-processed so far: one per class,
	 * so that prototype beans do not accumulate.
	 * @return the proxies by the class of their bean
	 */
	Map<Class<?>, Advised> proxies() {
		return this.proxies;
	}

	/**
	 * Sets the check that the first asynchronous call of a {@code @Prioritized} method runs on its bean's proxy: a
	 * bean created after start-up (a lazy one) was not there for the start-up check.
	 * @param check the check, given the bean's class and its proxy
	 */
	void checkExecutorsOfLaterBeans(BiConsumer<Class<?>, Advised> check) {
		this.lateExecutorCheck.set(check);
	}

	@Override
	public void setBeanClassLoader(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof AopInfrastructureBean) {
			return bean;
		}
		Class<?> targetClass = AopUtils.getTargetClass(bean);
		if (!isEligible(targetClass)) {
			return bean;
		}
		requireReachable(beanName, targetClass);
		if (bean instanceof Advised advised && !advised.isFrozen()) {
			if (isAdmitting(advised)) {
				return bean;
			}
			this.proxies.putIfAbsent(targetClass, advised);
			requireOverridable(beanName, targetClass, AopUtils.isCglibProxy(bean));
			if (AopUtils.isJdkDynamicProxy(bean)) {
				requireDeclaredByInterfaces(beanName, targetClass, advised.getProxiedInterfaces());
			}
			advised.addAdvisor(0, admissionAdvisor(advised));
			int async = lastAsyncAdvisor(advised);
			if (async >= 0) {
				// Right inside the async boundary, ahead of any advice that runs in the worker thread (a transaction,
				// method validation or security, an aspect): if one of those throws or does not proceed, the
				// completion advice has still started and releases the slot.
				advised.addAdvisor(async + 1, completionAdvisor());
			}
			else if (advised.getTargetSource() instanceof EmptyTargetSource && advised.getAdvisorCount() > 1) {
				// No target: the last advisor answers the call, so the completion advisor goes just before it.
				advised.addAdvisor(advised.getAdvisorCount() - 1, completionAdvisor());
			}
			else {
				advised.addAdvisor(completionAdvisor());
			}
			return bean;
		}
		if (cannotBeProxied(targetClass)) {
			throw new IllegalStateException("Bean '" + beanName + "' has @Prioritized methods, but its class "
					+ targetClass.getName() + " cannot be subclassed (it is final or sealed, or implements an interface "
					+ "method with a final method) and implements no interface, so no proxy can admit its calls. Make "
					+ "the class and its @Prioritized methods non-final (in Kotlin: open, or annotate the class with a "
					+ "stereotype such as @Service and build with the kotlin-spring compiler plugin), or have it "
					+ "implement an interface that declares its @Prioritized methods and inject it by that interface.");
		}
		boolean interfaceProxy = needsInterfaceProxy(targetClass);
		requireOverridable(beanName, targetClass, !interfaceProxy);
		if (interfaceProxy) {
			Class<?>[] interfaces = ProxyShapes.interfaces(targetClass, this.classLoader);
			requireControllerOnInterfaces(beanName, targetClass, interfaces);
			requireDeclaredByInterfaces(beanName, targetClass, interfaces);
			requireCallbacksOnInterfaces(beanName, targetClass, interfaces, ProxyShapes.isScheduling(this.beanFactory));
		}
		ProxyFactory proxyFactory = new ProxyFactory(bean);
		configure(proxyFactory, targetClass);
		Object proxy = proxyFactory.getProxy(this.classLoader);
		ProxyShapes.exposeTargetClass(this.beanFactory, beanName, targetClass);
		if (proxy instanceof Advised advised) {
			// the async post-processor, when it comes later, adds its advisor to this proxy
			this.proxies.putIfAbsent(targetClass, advised);
		}
		return proxy;
	}

	/**
	 * Fails for a controller that only a proxy of its interfaces could admit, when none of them is annotated as a
	 * controller: Spring MVC and WebFlux look for controllers by the class of the bean they are handed, and find none
	 * in such a proxy, so every endpoint of the bean would answer 404 without a word at start-up.
	 */
	private static void requireControllerOnInterfaces(String beanName, Class<?> targetClass, Class<?>[] interfaces) {
		if (AnnotatedElementUtils.hasAnnotation(targetClass, Controller.class) && Arrays.stream(interfaces)
			.noneMatch((type) -> AnnotatedElementUtils.hasAnnotation(type, Controller.class))) {
			String[] why = ProxyShapes.whyInterfaceProxy(targetClass);
			throw new IllegalStateException("Bean '" + beanName + "' is a controller with @Prioritized methods, and "
					+ "only a proxy of its interfaces could admit their calls, since " + why[0] + "; but Spring MVC "
					+ "and WebFlux find no controller in such a proxy, so every endpoint of the bean would answer 404. "
					+ why[1] + ", annotate the interface that declares its mappings with @RestController or "
					+ "@Controller, or move the @Prioritized methods to a service the controller calls.");
		}
	}

	/**
	 * Fails when a method annotated {@code @Prioritized} is private or static: no proxy, of either kind, sees its
	 * calls, so they would never be admitted.
	 */
	private static void requireReachable(String beanName, Class<?> targetClass) {
		List<String> unreachable = annotatedMethodNames(targetClass, PrioritizedBeanPostProcessor::isHidden);
		if (!unreachable.isEmpty()) {
			throw new IllegalStateException("Bean '" + beanName + "' has @Prioritized methods " + unreachable
					+ " that are private or static in " + targetClass.getName() + ": no proxy sees their calls, so "
					+ "they would never be admitted. Make them public (or protected or package-private, for a class "
					+ "proxied as a subclass) instance methods and call them through the bean, not from inside it.");
		}
	}

	/**
	 * Fails when a bean proxied by its interfaces has a method annotated {@code @Prioritized} that none of them
	 * declares: callers cannot reach it through the proxy, so its calls would never be admitted.
	 */
	private static void requireDeclaredByInterfaces(String beanName, Class<?> targetClass, Class<?>[] interfaces) {
		List<String> undeclared = annotatedMethodNames(targetClass,
				(method) -> !isHidden(method) && !isDeclaredBy(interfaces, method, targetClass));
		if (!undeclared.isEmpty()) {
			throw new IllegalStateException("Bean '" + beanName + "' has @Prioritized methods " + undeclared
					+ " that none of its interfaces declares, and its class " + targetClass.getName() + " is proxied "
					+ "by its interfaces (it cannot be subclassed, a final method implements one of them, or another "
					+ "post-processor proxied it so, as @Async does under spring.aop.proxy-target-class=false): no "
					+ "caller reaches those methods through the proxy, so their calls would never be admitted. "
					+ "Declare them on an interface the bean implements, or make the class and its @Prioritized "
					+ "methods non-final.");
		}
	}

	/**
	 * Fails when a bean about to be proxied by its interfaces has methods the container calls that the proxy cannot
	 * take (see {@link ProxyShapes#callbacksTheProxyCannotTake}), or {@code @Scheduled} suspend functions, which
	 * Spring's scheduling calls through the class's own signature, so that every run would fail.
	 */
	private static void requireCallbacksOnInterfaces(String beanName, Class<?> targetClass, Class<?>[] interfaces,
			boolean scheduling) {
		String unreachable = ProxyShapes.callbacksTheProxyCannotTakeMessage(targetClass, interfaces, scheduling);
		if (unreachable != null) {
			String[] why = ProxyShapes.whyInterfaceProxy(targetClass);
			throw new IllegalStateException("Bean '" + beanName + "' has @Prioritized methods, so it is proxied, and "
					+ "only by its interfaces, since " + why[0] + "; but the container could not call " + unreachable
					+ ". " + why[1] + ", declare the listeners and scheduled methods on an interface it implements "
					+ "(not a suspend function), or move them to a bean of their own.");
		}
	}

	/** Whether one of the interfaces declares a method the given one implements, generic parameters included. */
	private static boolean isDeclaredBy(Class<?>[] interfaces, Method method, Class<?> targetClass) {
		for (Class<?> type : interfaces) {
			for (Method declared : type.getMethods()) {
				if (declared.getName().equals(method.getName())
						&& AopUtils.getMostSpecificMethod(declared, targetClass)
							.equals(AopUtils.getMostSpecificMethod(method, targetClass))) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * Whether the method is the static copy the Kotlin compiler makes of a value class's member ({@code greet-impl},
	 * or {@code greet-RAfvZqs} when it takes a value class: a name Java cannot spell), annotated as the instance
	 * method that calls it. A value class is told by the {@code box-impl} method the compiler gives every one.
	 */
	private static boolean isValueClassCopy(Method method) {
		return Modifier.isStatic(method.getModifiers()) && method.getName().indexOf('-') >= 0
				&& Arrays.stream(method.getDeclaringClass().getDeclaredMethods())
					.anyMatch((declared) -> declared.getName().equals("box-impl"));
	}

	private static boolean isHidden(Method method) {
		return Modifier.isPrivate(method.getModifiers()) || Modifier.isStatic(method.getModifiers());
	}

	/** The names of the methods the class and its superclasses declare, annotated themselves, that match. */
	private static List<String> annotatedMethodNames(Class<?> targetClass, Predicate<Method> matching) {
		List<String> names = new ArrayList<>();
		for (Class<?> type = ClassUtils.getUserClass(targetClass); type != null && type != Object.class;
				type = type.getSuperclass()) {
			List<String> declared = new ArrayList<>();
			for (Method method : type.getDeclaredMethods()) {
				if (!method.isSynthetic() && !isValueClassCopy(method)
						&& AnnotatedElementUtils.hasAnnotation(method, Prioritized.class) && matching.test(method)) {
					declared.add(method.getName());
				}
			}
			// the JVM lists a class's methods in no set order: sorted, a message reads the same from run to run
			declared.sort(null);
			names.addAll(declared);
		}
		return names;
	}

	/**
	 * Fails when a method annotated {@code @Prioritized} is final and the proxy is a subclass, which cannot override
	 * it: its calls would run on the proxy itself, never admitted and without the bean's state. In Kotlin every member
	 * is final unless marked {@code open}, even in an {@code open} class.
	 */
	private static void requireOverridable(String beanName, Class<?> targetClass, boolean subclassProxy) {
		if (!subclassProxy) {
			return;
		}
		List<Method> candidates = ProxyShapes.finalMethods(targetClass);
		List<String> finalMethods = candidates.stream()
			.filter((method) -> PrioritizedMethods.find(method, targetClass) != null)
			.filter((method) -> !isOverloadOfAnOpenMethod(method, targetClass))
			.map(Method::getName)
			.distinct()
			.toList();
		if (!finalMethods.isEmpty()) {
			throw new IllegalStateException("Bean '" + beanName + "' has @Prioritized methods " + finalMethods
					+ " that are final in " + targetClass.getName() + ": its proxy is a subclass, which cannot "
					+ "override them, so their calls would never be admitted (and would run without the bean's "
					+ "state). Make them non-final (in Kotlin: open, or annotate the class with a stereotype such as "
					+ "@Service and build with the kotlin-spring compiler plugin), or declare them on an interface "
					+ "the bean implements and inject it by that interface.");
		}
	}

	/**
	 * Whether the final method is one of the overloads Kotlin's {@code @JvmOverloads} generates: they hand their
	 * arguments, with the defaults, to the static {@code name$default} of an overridable method of the same name that
	 * takes them first (a {@code suspend} function's {@code Continuation} last), which calls that method on the proxy,
	 * where it is admitted. The method's own code is read to see that call: a final overload that does not make it
	 * does its own work, unadmitted.
	 */
	private static boolean isOverloadOfAnOpenMethod(Method method, Class<?> targetClass) {
		List<Class<?>> parameters = withoutContinuation(method.getParameterTypes());
		for (Method candidate : ClassUtils.getUserClass(targetClass).getMethods()) {
			List<Class<?>> longer = withoutContinuation(candidate.getParameterTypes());
			if (candidate.getName().equals(method.getName()) && longer.size() > parameters.size()
					&& !Modifier.isFinal(candidate.getModifiers())
					&& longer.subList(0, parameters.size()).equals(parameters)) {
				return callsDefaults(method);
			}
		}
		return false;
	}

	private static List<Class<?>> withoutContinuation(Class<?>[] parameters) {
		int length = parameters.length;
		if (length > 0 && parameters[length - 1].getName().equals("kotlin.coroutines.Continuation")) {
			length--;
		}
		return Arrays.asList(parameters).subList(0, length);
	}

	/** Whether the method's code calls the static {@code name$default} of its own class. */
	private static boolean callsDefaults(Method method) {
		Class<?> declaring = method.getDeclaringClass();
		String owner = Type.getInternalName(declaring);
		String descriptor = Type.getMethodDescriptor(method);
		String defaults = method.getName() + "$default";
		ClassLoader classLoader = (declaring.getClassLoader() != null) ? declaring.getClassLoader()
				: ClassLoader.getSystemClassLoader();
		try (InputStream code = classLoader.getResourceAsStream(owner + ".class")) {
			if (code == null) {
				return false;
			}
			boolean[] calls = new boolean[1];
			new ClassReader(code).accept(new ClassVisitor(SpringAsmInfo.ASM_VERSION) {

				@Override
				public MethodVisitor visitMethod(int access, String name, String desc, String signature,
						String[] exceptions) {
					if (!name.equals(method.getName()) || !desc.equals(descriptor)) {
						return null;
					}
					return new MethodVisitor(SpringAsmInfo.ASM_VERSION) {

						@Override
						public void visitMethodInsn(int opcode, String calledOwner, String calledName,
								String calledDescriptor, boolean isInterface) {
							if (opcode == Opcodes.INVOKESTATIC && calledOwner.equals(owner)
									&& calledName.equals(defaults)) {
								calls[0] = true;
							}
						}

					};
				}

			}, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
			return calls[0];
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
	}

	/**
	 * Makes, at build time, the class of the proxy that {@link #postProcessAfterInitialization} will make of a
	 * {@code @Prioritized} bean that no other post-processor proxies, configured as that one is (the same interfaces,
	 * target class and advisors), so that it is the same class. Spring's ahead-of-time processing writes it out with
	 * the generated code and registers the hints it needs.
	 * @param beanClass the bean's class, as its definition says or as the post-processors before this one made it
	 * @param beanName the bean's name
	 * @return the class of the proxy, or {@code beanClass} when this post-processor will not make one
	 */
	@Override
	public Class<?> determineBeanType(Class<?> beanClass, String beanName) {
		if (beanClass.isInterface() || SpringProxy.class.isAssignableFrom(beanClass)
				|| AopInfrastructureBean.class.isAssignableFrom(beanClass) || !isEligible(beanClass)
				|| isProxiedByAnOrderedPostProcessor(beanClass, beanName)) {
			// A proxy made by another post-processor gets the advisors added. What a factory bean makes comes here as
			// the class the factory declares.
			return beanClass;
		}
		if (cannotBeProxied(beanClass)) {
			// Cannot be proxied: start-up says so.
			return beanClass;
		}
		ProxyFactory proxyFactory = new ProxyFactory();
		proxyFactory.setTargetClass(beanClass);
		proxyFactory.setInterfaces(ClassUtils.getAllInterfacesForClass(beanClass));
		configure(proxyFactory, beanClass);
		return proxyFactory.getProxyClass(this.classLoader);
	}

	/**
	 * How the proxy of a bean not proxied yet is made, at run time and at build time alike: a subclass, or, for a class
	 * that cannot be subclassed, its interfaces.
	 */
	private void configure(ProxyFactory proxyFactory, Class<?> beanClass) {
		if (needsInterfaceProxy(beanClass)) {
			proxyFactory.setInterfaces(ProxyShapes.interfaces(beanClass, this.classLoader));
		}
		else {
			proxyFactory.setProxyTargetClass(true);
		}
		proxyFactory.addAdvisor(admissionAdvisor(proxyFactory));
		proxyFactory.addAdvisor(completionAdvisor());
	}

	/**
	 * Whether the class cannot be subclassed, or implements a {@code @Prioritized} method of one of its interfaces
	 * with a {@code final} method (a subclass proxy would never admit its calls, which an interface proxy does).
	 */
	private static boolean needsInterfaceProxy(Class<?> beanClass) {
		return ProxyShapes.needsInterfaceProxy(beanClass, ProxyShapes.interfacesOutsideSpring(beanClass),
				(method) -> PrioritizedMethods.find(method, beanClass) != null);
	}

	private boolean cannotBeProxied(Class<?> beanClass) {
		return needsInterfaceProxy(beanClass) && ProxyShapes.interfaces(beanClass, this.classLoader).length == 0;
	}

	/**
	 * Whether an ordered post-processor, such as the breakers' or {@code @EnableAsync}'s, will proxy the bean. At run
	 * time this one, being unordered, comes after all of those and only adds its advisors to their proxy; ahead-of-time
	 * processing instead sorts every post-processor together, where an unordered one ties with the lowest-precedence
	 * ordered ones and may come first. Asking them keeps the build from making a proxy class the run never uses.
	 */
	private boolean isProxiedByAnOrderedPostProcessor(Class<?> beanClass, String beanName) {
		if (!(this.beanFactory instanceof ListableBeanFactory factory)) {
			return false;
		}
		return factory.getBeanProvider(SmartInstantiationAwareBeanPostProcessor.class)
			.stream()
			.filter((processor) -> processor != this && processor instanceof Ordered)
			.anyMatch((processor) -> processor.determineBeanType(beanClass, beanName) != beanClass);
	}

	private boolean isEligible(Class<?> targetClass) {
		return this.eligibleTypes.computeIfAbsent(targetClass,
				(type) -> AnnotationUtils.isCandidateClass(type, Prioritized.class)
						&& AopUtils.canApply(PrioritizedMethods.POINTCUT, type));
	}

	/** Whether the proxy already admits through us, say a scoped proxy's target post-processed before. */
	private static boolean isAdmitting(Advised advised) {
		for (Advisor advisor : advised.getAdvisors()) {
			if (advisor.getAdvice() instanceof PrioritizedAdmissionInterceptor) {
				return true;
			}
		}
		return false;
	}

	/** @return the position of the last advisor that hands calls to an executor, or -1 if there is none */
	private static int lastAsyncAdvisor(Advised advised) {
		Advisor[] advisors = advised.getAdvisors();
		for (int i = advisors.length - 1; i >= 0; i--) {
			if (advisors[i].getAdvice() instanceof AsyncExecutionInterceptor) {
				return i;
			}
		}
		return -1;
	}

	private DefaultPointcutAdvisor admissionAdvisor(Advised advised) {
		return new DefaultPointcutAdvisor(PrioritizedMethods.POINTCUT,
				new PrioritizedAdmissionInterceptor(this.controller, advised, this.queued, this.lateExecutorCheck));
	}

	private DefaultPointcutAdvisor completionAdvisor() {
		return new DefaultPointcutAdvisor(PrioritizedMethods.POINTCUT, new AsyncCompletionInterceptor());
	}

}
