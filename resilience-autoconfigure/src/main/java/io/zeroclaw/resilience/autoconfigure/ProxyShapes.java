package io.zeroclaw.resilience.autoconfigure;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.event.EventListener;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.KotlinDetector;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.MethodIntrospector.MetadataLookup;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.annotation.Schedules;
import org.springframework.scheduling.config.TaskManagementConfigUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * How the starter's post-processors proxy a bean of a given class: by subclassing it, or, when a subclass could not
 * stand in for it, by implementing its interfaces. Support code for the auto-configuration, not an API.
 */
public final class ProxyShapes {

	private ProxyShapes() {
	}

	/**
	 * Whether a proxy must implement the class's interfaces rather than subclass it: the class is final (a record, an
	 * enum constant's class), sealed, a JDK proxy, synthetic or hidden (a lambda), or it implements a method of one of
	 * the given interfaces with a {@code final} method, which a subclass proxy could not override, so that a call to it
	 * would skip the advice and run on the proxy's own, unset, fields.
	 * @param beanClass the bean's class
	 * @param interfaces the interfaces whose methods the proxy's advice may be for
	 * @param advised which of their methods the advice is for
	 * @return whether to proxy by interfaces
	 */
	public static boolean needsInterfaceProxy(Class<?> beanClass, Collection<Class<?>> interfaces,
			Predicate<Method> advised) {
		return Modifier.isFinal(beanClass.getModifiers()) || beanClass.isSealed() || Proxy.isProxyClass(beanClass)
				|| beanClass.isSynthetic() || beanClass.isHidden() || implementsFinal(beanClass, interfaces, advised);
	}

	/**
	 * The interfaces of the class that are not Spring's: the application's, a library's and the JDK's
	 * ({@code IntSupplier.getAsInt} implemented by a {@code final} method needs a proxy of the interface as much as an
	 * application interface's method does), while a Spring base class's interfaces ({@code ApplicationContextAware} of
	 * {@code ApplicationObjectSupport}, with its final methods) say nothing of how to proxy the bean.
	 * @param beanClass the bean's class
	 * @return those interfaces
	 */
	public static List<Class<?>> interfacesOutsideSpring(Class<?> beanClass) {
		return ClassUtils.getAllInterfacesForClassAsSet(beanClass)
			.stream()
			.filter((type) -> !type.getName().startsWith("org.springframework."))
			.toList();
	}

	/**
	 * The interfaces a proxy of the class can implement: all of its own and its superclasses', where a sealed one,
	 * which no proxy may implement, is replaced by the interfaces it extends (so that a record implementing a sealed
	 * sub-interface of an SPI still is one of that SPI's beans once proxied).
	 * @param beanClass the bean's class
	 * @param classLoader the class loader the proxy is made in
	 * @return the interfaces, in a stable order
	 */
	public static Class<?>[] interfaces(Class<?> beanClass, @Nullable ClassLoader classLoader) {
		Set<Class<?>> interfaces = new LinkedHashSet<>();
		for (Class<?> type : ClassUtils.getAllInterfacesForClassAsSet(beanClass, classLoader)) {
			addUnsealed(type, interfaces);
		}
		return interfaces.toArray(new Class<?>[0]);
	}

	private static void addUnsealed(Class<?> type, Set<Class<?>> interfaces) {
		if (!type.isSealed()) {
			interfaces.add(type);
			return;
		}
		for (Class<?> parent : type.getInterfaces()) {
			addUnsealed(parent, interfaces);
		}
	}

	/**
	 * The methods a subclass proxy of the class cannot override although callers may call them on it: its
	 * non-private, non-static {@code final} methods, other than those of JDK and Spring types. Such a call runs on the
	 * proxy itself, skipping the advice, and reads the proxy's own fields, which are never set.
	 * @param beanClass the bean's class
	 * @return those methods, most specific class first
	 */
	public static List<Method> finalMethods(Class<?> beanClass) {
		List<Method> methods = new ArrayList<>();
		// from the user's class: a @Configuration class's CGLIB subclass has final methods of its own making
		for (Class<?> type = ClassUtils.getUserClass(beanClass); type != null && !isInfrastructure(type);
				type = type.getSuperclass()) {
			for (Method method : type.getDeclaredMethods()) {
				int modifiers = method.getModifiers();
				if (Modifier.isFinal(modifiers) && !Modifier.isStatic(modifiers) && !Modifier.isPrivate(modifiers)
						&& !method.isSynthetic() && !method.isBridge()) {
					methods.add(method);
				}
			}
		}
		return methods;
	}

	private static boolean isInfrastructure(Class<?> type) {
		String name = type.getName();
		return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jakarta.")
				|| name.startsWith("kotlin.")
				|| (name.startsWith("org.springframework.") && !name.startsWith("org.springframework.ai."));
	}

	private static boolean implementsFinal(Class<?> beanClass, Collection<Class<?>> interfaces,
			Predicate<Method> advised) {
		return !finalImplementations(beanClass, interfaces, advised).isEmpty();
	}

	/** The final methods of the class that implement a method of the interfaces the predicate accepts. */
	private static Set<Method> finalImplementations(Class<?> beanClass, Collection<Class<?>> interfaces,
			Predicate<Method> advised) {
		Set<Method> implementations = new LinkedHashSet<>();
		for (Class<?> type : interfaces) {
			for (Method method : type.getMethods()) {
				if (!advised.test(method)) {
					continue;
				}
				// generics resolved: Sink<String>.accept(T) is implemented by accept(String), not by its bridge
				Method implementation = AopUtils.getMostSpecificMethod(method, beanClass);
				if (!implementation.getDeclaringClass().isInterface()
						&& Modifier.isFinal(implementation.getModifiers())) {
					implementations.add(implementation);
				}
			}
		}
		return implementations;
	}

	/**
	 * Whether the method is, on the type, the implementation of one of the interface's own methods, its generic
	 * parameters resolved: {@code onApplicationEvent(OrderPlaced)} implements
	 * {@code ApplicationListener.onApplicationEvent(E)} in a listener of {@code OrderPlaced}, however the call reaches
	 * it (through the interface's erased method, a bridge, or the class's own signature); a method that merely shares
	 * the name does not.
	 * @param method the method called
	 * @param type the class of the object it is called on
	 * @param callbacks the interface
	 * @return whether the method implements one of the interface's instance methods
	 */
	public static boolean implementsMethodOf(Method method, Class<?> type, Class<?> callbacks) {
		if (!callbacks.isAssignableFrom(type)) {
			return false;
		}
		// an interface's static methods (ApplicationListener.forPayload) are no callbacks: a class cannot implement one
		Method implementation = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, type));
		for (Method declared : callbacks.getMethods()) {
			if (!Modifier.isStatic(declared.getModifiers()) && declared.getName().equals(method.getName())
					&& declared.getParameterCount() == method.getParameterCount()
					&& BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(declared, type))
						.equals(implementation)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether the container delivers events to the method: {@code @EventListener}, or an annotation meta-annotated
	 * with it ({@code @TransactionalEventListener}).
	 * @param method the method, as declared by the bean's class
	 * @return whether it is an event listener
	 */
	public static boolean isEventListener(Method method) {
		return AnnotatedElementUtils.hasAnnotation(method, EventListener.class);
	}

	/**
	 * Whether a scheduler, where scheduling is enabled, calls the method: {@code @Scheduled}, once or repeated.
	 * @param method the method, as declared by the bean's class
	 * @return whether it is scheduled
	 */
	public static boolean isScheduled(Method method) {
		return AnnotatedElementUtils.hasAnnotation(method, Scheduled.class)
				|| AnnotatedElementUtils.hasAnnotation(method, Schedules.class);
	}

	/**
	 * Records the class of a bean that a post-processor has just proxied, as Spring's own proxying post-processors
	 * do: what looks for {@code @EventListener} methods once the singletons exist then reads them from the bean's
	 * class, where the class of a proxy made of the bean's interfaces carries only those its interfaces annotate.
	 * @param beanFactory the bean factory the bean lives in
	 * @param beanName the bean's name
	 * @param targetClass the bean's own class
	 */
	public static void exposeTargetClass(@Nullable BeanFactory beanFactory, String beanName, Class<?> targetClass) {
		setDefinitionAttribute(beanFactory, beanName, AutoProxyUtils.ORIGINAL_TARGET_CLASS_ATTRIBUTE, targetClass);
	}

	/**
	 * Records something of a bean on its merged bean definition, where what runs after its creation (or after a
	 * failed start-up) can read it; nothing for a bean without a definition of its own.
	 * @param beanFactory the bean factory the bean lives in
	 * @param beanName the bean's name
	 * @param attribute the attribute's name
	 * @param value its value
	 */
	public static void setDefinitionAttribute(@Nullable BeanFactory beanFactory, String beanName, String attribute,
			Object value) {
		if (beanFactory instanceof ConfigurableListableBeanFactory factory && factory.containsBeanDefinition(beanName)) {
			factory.getMergedBeanDefinition(beanName).setAttribute(attribute, value);
		}
	}

	/**
	 * Whether {@code @EnableScheduling} registered its post-processor in this bean factory: a parent's schedules only
	 * the parent's beans.
	 * @param beanFactory the bean factory
	 * @return whether the container calls {@code @Scheduled} methods of this factory's beans
	 */
	public static boolean isScheduling(@Nullable BeanFactory beanFactory) {
		return beanFactory instanceof ConfigurableListableBeanFactory factory
				&& factory.containsLocalBean(TaskManagementConfigUtils.SCHEDULED_ANNOTATION_PROCESSOR_BEAN_NAME);
	}

	/**
	 * The methods the container calls on a bean that a proxy made of the given interfaces cannot take, as
	 * signatures ({@code on(OrderPlaced)}), sorted: {@code @EventListener} methods, and {@code @Scheduled} ones where
	 * scheduling is enabled, found as Spring's annotation processors find them, that none of the interfaces declares
	 * with the class's own signature. An interface that
	 * declares one with a type parameter ({@code Handler<E>.on(E)}) does not count: the proxy's method takes the
	 * parameter's erasure, so a listener called through it would be handed every event. Spring refuses these at
	 * start-up with a message that names neither the proxy nor a way out that works for a class that cannot be
	 * subclassed.
	 * @param beanClass the bean's class
	 * @param interfaces the interfaces of its proxy
	 * @param scheduling whether scheduling is enabled
	 * @return the signatures, empty when there are none
	 */
	public static List<String> callbacksTheProxyCannotTake(Class<?> beanClass, Class<?>[] interfaces,
			boolean scheduling) {
		Set<Method> callbacks = new LinkedHashSet<>(listenerMethods(beanClass));
		if (scheduling) {
			callbacks.addAll(scheduledMethods(beanClass));
		}
		Set<String> unreachable = new TreeSet<>();
		for (Method method : callbacks) {
			if (Arrays.stream(interfaces)
				.noneMatch((type) -> ReflectionUtils.findMethod(type, method.getName(),
						method.getParameterTypes()) != null)) {
				unreachable.add(signature(method));
			}
		}
		return List.copyOf(unreachable);
	}

	/** The methods Spring registers as listeners of a bean of the class, as its annotation processor finds them. */
	private static Set<Method> listenerMethods(Class<?> beanClass) {
		MetadataLookup<EventListener> listener = (method) -> AnnotatedElementUtils.findMergedAnnotation(method,
				EventListener.class);
		return MethodIntrospector.selectMethods(beanClass, listener).keySet();
	}

	/** The methods Spring schedules on a bean of the class, as its annotation processor finds them. */
	private static Set<Method> scheduledMethods(Class<?> beanClass) {
		return MethodIntrospector.selectMethods(beanClass, (MetadataLookup<Set<Scheduled>>) (method) -> {
			Set<Scheduled> scheduled = AnnotatedElementUtils.getMergedRepeatableAnnotations(method, Scheduled.class,
					Schedules.class);
			return scheduled.isEmpty() ? null : scheduled;
		}).keySet();
	}

	/**
	 * What a proxy made of the given interfaces could not call on a bean, for a start-up message: the callbacks of
	 * {@link #callbacksTheProxyCannotTake}, and, where scheduling is enabled, the {@code @Scheduled} suspend functions
	 * of {@link #suspendScheduledMethods}, which Spring's scheduling calls through the class's own signature.
	 * @param beanClass the bean's class
	 * @param interfaces the interfaces of its proxy
	 * @param scheduling whether scheduling is enabled
	 * @return what the container could not call, as the end of a sentence, or {@code null} when it can call all
	 */
	public static @Nullable String callbacksTheProxyCannotTakeMessage(Class<?> beanClass, Class<?>[] interfaces,
			boolean scheduling) {
		List<String> unreachable = callbacksTheProxyCannotTake(beanClass, interfaces, scheduling);
		List<String> suspending = scheduling ? suspendScheduledMethods(beanClass) : List.of();
		if (unreachable.isEmpty() && suspending.isEmpty()) {
			return null;
		}
		return (unreachable.isEmpty() ? ""
				: "its @EventListener or @Scheduled methods " + unreachable + " through that proxy, since none of its "
						+ "interfaces declares them with that signature (one declaring a type parameter, "
						+ "Handler<E>.on(E), does not: its proxy takes Object)" + (suspending.isEmpty() ? "" : ", nor "))
				+ (suspending.isEmpty() ? ""
						: "its @Scheduled suspend functions " + suspending
								+ ", which Spring's scheduling calls through the class's own signature");
	}

	/**
	 * Why a class is proxied by its interfaces, and how to have it proxied by a subclass instead, for a start-up
	 * message: it cannot be subclassed, or some of its final methods implement interface methods.
	 * @param beanClass the bean's class
	 * @return a clause and its fix, as {@code [why, fix]}
	 */
	public static String[] whyInterfaceProxy(Class<?> beanClass) {
		List<String> finalMethods = finalImplementations(beanClass,
				ClassUtils.getAllInterfacesForClassAsSet(beanClass), (method) -> true)
			.stream()
			.map(Method::getName)
			.distinct()
			.sorted()
			.toList();
		if (Modifier.isFinal(beanClass.getModifiers()) || beanClass.isSealed() || finalMethods.isEmpty()) {
			return new String[] { "it cannot be subclassed (it is final, sealed or a record)",
					"Make the class non-final (in Kotlin: open, or annotate it with a stereotype such as @Service and "
							+ "build with the kotlin-spring compiler plugin)" };
		}
		return new String[] { "its final methods " + finalMethods + " implement interface methods",
				"Make the methods " + finalMethods + " non-final (in Kotlin: open)" };
	}

	private static String signature(Method method) {
		return method.getName() + Arrays.stream(method.getParameterTypes())
			.map(Class::getSimpleName)
			.collect(Collectors.joining(", ", "(", ")"));
	}

	/**
	 * The names of a class's {@code @Scheduled} Kotlin {@code suspend} functions, sorted. Spring's scheduling invokes
	 * those through the class's own signature, so a proxy made of the class's interfaces fails every run of them,
	 * even of one an interface declares.
	 * @param beanClass the bean's class
	 * @return the names, empty when there are none
	 */
	public static List<String> suspendScheduledMethods(Class<?> beanClass) {
		return scheduledMethods(beanClass).stream()
			.filter(KotlinDetector::isSuspendingFunction)
			.map(Method::getName)
			.distinct()
			.sorted()
			.toList();
	}

}
