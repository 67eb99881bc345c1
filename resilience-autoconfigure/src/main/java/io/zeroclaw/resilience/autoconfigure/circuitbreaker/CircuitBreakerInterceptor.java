package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import io.zeroclaw.resilience.autoconfigure.ProxyShapes;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.provider.Provider;
import io.zeroclaw.resilience.provider.StreamChunk;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.core.GenericTypeResolver;
import org.springframework.core.KotlinDetector;
import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Sends the calls of a wrapped bean that reach its upstream through the bean's breaker, each according to what it
 * returns: a plain value (the outcome is the return or the exception), a {@link CompletionStage} (the outcome is its
 * completion; cancelling it gives the permission back), a {@link Stream} (exhaustion is a success, an exception while
 * iterating a failure, closing early a success after a first element and gives the permission back before it) or a
 * Reactor {@code Flux}/{@code Mono} (the breaker is asked at each subscription, the outcome is the terminal signal,
 * cancelling is a success after a first element and gives the permission back before it). Other deferred types that
 * Spring's {@link ReactiveAdapterRegistry} adapts (a Kotlin {@code Flow}, RxJava's, a JDK {@code Flow.Publisher}) are
 * guarded as the {@code Flux} or {@code Mono} they adapt to, and a Kotlin {@code suspend} function as the
 * {@code Mono} (a {@code Flux} for a {@code Flow}) that Spring's coroutine support runs it as, which the proxy then
 * awaits.
 * <p>
 * Guarded are the methods of the upstream types (for example {@code Provider} or {@code ChatModel}), even when also
 * annotated {@code @Scheduled} or {@code @EventListener}, the bean's own other public methods (such as a
 * {@code chatAsync} an implementation adds), and the work methods of JDK and Spring work interfaces
 * ({@code Function.apply}, {@code Converter.convert}). Passed straight through, never refused and never counted, are
 * what cannot reach the upstream: the accessors of the upstream types ({@code capabilities},
 * {@code supportsStreaming}, {@code getDefaultOptions}, ...), implementations that answer locally
 * ({@code Provider.warmup()} and {@code ChatModel.stream(Prompt)} left as their interfaces' defaults,
 * {@code AbstractEmbeddingModel.dimensions()} once the upstream has answered it), {@link Object}'s methods, bean
 * getters and setters, record-style accessors of final fields, the methods the container calls ({@code @Bean},
 * {@code @EventListener} and {@code @Scheduled} methods, an {@code ApplicationListener}'s delivery) and the other
 * methods of JDK and Spring interfaces such as {@code AutoCloseable} or {@code DisposableBean}, so that the bean can
 * still be configured, told of events and shut down while its breaker is open. The decision is made once per
 * method.
 */
final class CircuitBreakerInterceptor implements MethodInterceptor {

	/** The generic interface whose method is the container's call, not work: matched with generics resolved. */
	private static final Class<?> GENERIC_CALLBACK = ApplicationListener.class;

	/** Methods of the upstream types that only read local configuration. */
	private static final Set<String> ACCESSORS = Set.of("capabilities", "supportsStreaming", "getDefaultOptions",
			"getOptions", "getEmbeddingContent", "toString", "hashCode", "equals");

	private static final String FLUX = "reactor.core.publisher.Flux";

	private static final String MONO = "reactor.core.publisher.Mono";

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent(FLUX,
			CircuitBreakerInterceptor.class.getClassLoader());

	/** Whether Spring runs Kotlin {@code suspend} functions through Reactor (as {@code AopUtils} decides). */
	private static final boolean COROUTINES_REACTOR_PRESENT = REACTOR_PRESENT && ClassUtils
		.isPresent("kotlinx.coroutines.reactor.MonoKt", CircuitBreakerInterceptor.class.getClassLoader());

	private static final String KOTLIN_DEFERRED = "kotlinx.coroutines.Deferred";

	private static final String CHAT_MODEL = "org.springframework.ai.chat.model.ChatModel";

	/**
	 * Spring AI's streaming methods that refuse locally when left as their interfaces' defaults: the interface, then
	 * the method's parameter type.
	 */
	private static final Map<String, String> UNSUPPORTED_STREAMS = Map.of(CHAT_MODEL,
			"org.springframework.ai.chat.prompt.Prompt",
			"org.springframework.ai.audio.transcription.StreamingTranscriptionModel",
			"org.springframework.ai.audio.transcription.AudioTranscriptionPrompt");

	private static final String ABSTRACT_EMBEDDING_MODEL = "org.springframework.ai.embedding.AbstractEmbeddingModel";

	private final @Nullable CircuitBreaker breaker;

	private final List<Class<?>> upstreamTypes;

	private final Map<Method, Kind> kinds = new ConcurrentHashMap<>();

	/** The adapter of each {@link Kind#ADAPTED} method's reactive type. */
	private final Map<Method, ReactiveAdapter> adapters = new ConcurrentHashMap<>();

	/**
	 * The target whose {@code AbstractEmbeddingModel.dimensions()} has had its answer from the upstream: the bean, or
	 * behind a scoped proxy the last target that had it (another target has a cache of its own, empty until asked).
	 */
	private volatile WeakReference<Object> dimensionsCachedBy = new WeakReference<>(null);

	CircuitBreakerInterceptor(@Nullable CircuitBreaker breaker, List<Class<?>> upstreamTypes) {
		this.breaker = breaker;
		this.upstreamTypes = upstreamTypes;
	}

	@Nullable CircuitBreaker getBreaker() {
		return this.breaker;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Method method = invocation.getMethod();
		Kind kind = this.kinds.get(method);
		if (kind == null) {
			Object target = invocation.getThis();
			Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : method.getDeclaringClass();
			// A proxy without a target (an HTTP interface client) runs an interface's default method on the proxy
			// itself, so the upstream methods it calls come back through this advice and are guarded there: guarding
			// the default method too would count each call twice, and a half-open breaker's one probe would refuse
			// its own inner call.
			kind = this.kinds.computeIfAbsent(method,
					(key) -> (target == null && key.isDefault()) ? Kind.PASS : classify(key, targetClass));
		}
		return switch (kind) {
			case PASS -> invocation.proceed();
			case SYNC -> executeSync(invocation);
			case DIMENSIONS -> hasCachedDimensions(invocation.getThis()) ? invocation.proceed()
					: cacheDimensions(invocation);
			case ASYNC -> HeldBreakers.runsUnder(this.breaker) ? invocation.proceed()
					: executeAsync(invocation, this.breaker.transitions());
			case STREAM -> HeldBreakers.runsUnder(this.breaker) ? invocation.proceed()
					: executeStream(invocation, this.breaker.transitions());
			case FLUX -> ReactorCalls.flux(this.breaker, () -> invokeAgain(invocation));
			case MONO -> ReactorCalls.mono(this.breaker, () -> invokeAgain(invocation));
			case SUSPEND_FLUX -> ReactorCalls.flux(this.breaker, () -> invokeAgain(invocation),
					() -> SuspendedCalls.invokeMarked(invocation));
			case SUSPEND_MONO -> ReactorCalls.mono(this.breaker, () -> invokeAgain(invocation),
					() -> SuspendedCalls.invokeMarked(invocation));
			case STAGE -> HeldBreakers.runsUnder(this.breaker) ? invocation.proceed()
					: judgeStage(invocation, this.breaker.transitions());
			case ADAPTED -> ReactorCalls.adapted(this.breaker, this.adapters.get(method),
					() -> invokeAgain(invocation));
		};
	}

	/** Whether a streamed element is the last of the upstream's answer: a Provider's closing chunk. */
	private static boolean isLast(@Nullable Object element) {
		return element instanceof StreamChunk chunk && chunk.last();
	}

	/**
	 * Runs a synchronous call through the breaker, unless this thread already runs a call holding a permission of the
	 * same breaker (see {@link HeldBreakers#runsUnder}): a call back into the same bean made by the call in progress
	 * (a tool the model runs that asks the model again, a blocking call that reads the bean's own stream or waits on
	 * its own future) is part of that call. The outer call's outcome counts for both, once, and a half-open breaker's
	 * only probe does not refuse its own inner call.
	 */
	private @Nullable Object executeSync(MethodInvocation invocation) throws Throwable {
		if (HeldBreakers.runsUnder(this.breaker)) {
			return invocation.proceed();
		}
		long period = this.breaker.transitions();
		return this.breaker.execute(() -> held(invocation, period));
	}

	/**
	 * A call answering the breaker's own future. What the method throws before it returns its stage (a blocking
	 * client wrapped in a completed future, an argument check) is counted and then thrown as the method threw it, not
	 * handed over in a failed future: a caller's {@code catch}, and advice around this one (Spring's
	 * {@code @Retryable} retries only what a method returning a {@code Future} throws), see the call as before.
	 */
	private Object executeAsync(MethodInvocation invocation, long period) {
		ThrownByCall thrown = new ThrownByCall();
		CompletableFuture<?> result = this.breaker.executeAsync(() -> {
			try {
				return (CompletionStage<?>) held(invocation, period);
			}
			catch (Throwable ex) {
				thrown.exception = ex;
				thrown.interrupted = Thread.currentThread().isInterrupted();
				throw ex;
			}
		});
		Throwable exception = thrown.exception;
		if (exception == null) {
			return result;
		}
		if (exception instanceof InterruptedException && !thrown.interrupted) {
			// the breaker sets again the interrupt that the exception's thrower cleared, for callers of its future;
			// thrown, the exception tells the caller itself, with the thread as the method left it
			Thread.interrupted();
		}
		throw CircuitBreakerInterceptor.<RuntimeException>sneaky(exception);
	}

	/** What the method of {@link #executeAsync} threw, and whether its thread was interrupted then. */
	private static final class ThrownByCall {

		@Nullable Throwable exception;

		boolean interrupted;

	}

	/**
	 * A call answering a future of its own type, which the caller gets as it is: refused by throwing while the
	 * breaker does not permit it, judged when the future completes (cancelled, it gives the permission back).
	 */
	private @Nullable Object judgeStage(MethodInvocation invocation, long period) {
		CircuitBreaker.Permission permission = this.breaker.acquirePermission();
		CompletionStage<?> stage;
		try {
			stage = (CompletionStage<?>) held(invocation, period);
		}
		catch (Throwable ex) {
			permission.onThrown(ex);
			throw ex;
		}
		if (stage == null) {
			// A broken upstream client: counted, so that a half-open probe never waits for an outcome that cannot come.
			permission.onFailure(new NullPointerException("The guarded method returned null, not a CompletionStage"));
			return null;
		}
		try {
			stage.whenComplete((value, failure) -> {
				if (failure == null) {
					permission.onSuccess();
				}
				else {
					permission.onFailure(failure);
				}
			});
		}
		catch (RuntimeException ex) {
			permission.onIgnore(); // a future that cannot be watched (read-only) tells nothing of the upstream
			throw ex;
		}
		return stage;
	}

	private Object executeStream(MethodInvocation invocation, long period) {
		return this.breaker.executeStream(() -> (Stream<?>) held(invocation, period),
				CircuitBreakerInterceptor::isLast);
	}

	/**
	 * Proceeds as a call that holds a permission of this breaker.
	 * @param period the breaker's {@link CircuitBreaker#transitions()} read before it was asked for the permission:
	 * if the breaker changed state between the two, the call's own calls back do not run under its permission but
	 * are asked of the breaker, so they are never run uncounted in a later state
	 */
	private @Nullable Object held(MethodInvocation invocation, long period) {
		return HeldBreakers.run(this.breaker, period, () -> proceed(invocation));
	}

	/**
	 * {@code AbstractEmbeddingModel.dimensions()} asks the upstream (an embedding of a probe text) until it has an
	 * answer, then answers from its cache: guarded until it has answered once, passed straight through after.
	 */
	private @Nullable Object cacheDimensions(MethodInvocation invocation) throws Throwable {
		Object dimensions = executeSync(invocation);
		this.dimensionsCachedBy = new WeakReference<>(invocation.getThis());
		return dimensions;
	}

	private boolean hasCachedDimensions(@Nullable Object target) {
		return target != null && this.dimensionsCachedBy.get() == target;
	}

	private Kind classify(Method method, Class<?> targetClass) {
		if (method.getDeclaringClass() == Object.class || !Modifier.isPublic(method.getModifiers())
				|| ACCESSORS.contains(method.getName()) || isLocalImplementation(method, targetClass)) {
			return Kind.PASS;
		}
		if (method.getName().equals("dimensions") && method.getParameterCount() == 0
				&& isImplementedBy(method, targetClass, ABSTRACT_EMBEDDING_MODEL)) {
			return Kind.DIMENSIONS;
		}
		// an upstream type's method stays guarded whatever else it is: annotated @Scheduled, it is still called by
		// the application too
		if (!isUpstreamMethod(method) && (isBeanAccessor(method) || isFieldAccessor(method, targetClass)
				|| isInfrastructureMethod(method, targetClass) || isContainerCallback(method, targetClass))) {
			return Kind.PASS;
		}
		if (COROUTINES_REACTOR_PRESENT && KotlinDetector.isSuspendingFunction(method)) {
			// Spring runs it as a lazy Mono (a Flux for a Flow) of its body, which the proxy then awaits
			return ReactorCalls.isMultiValue(new MethodParameter(method, -1).getParameterType()) ? Kind.SUSPEND_FLUX
					: Kind.SUSPEND_MONO;
		}
		Method implementation = AopUtils.getMostSpecificMethod(method, targetClass);
		Class<?> returned = GenericTypeResolver.resolveReturnType(implementation, targetClass);
		if (returned == Object.class) {
			// a class without generic signatures (a JDK proxy, a generated client) binds the interface's variable
			returned = GenericTypeResolver.resolveReturnType(method, targetClass);
		}
		if (CompletionStage.class.isAssignableFrom(returned)) {
			// a future of the method's own type (a CompletableFuture subclass, a client's CompletionStage interface)
			// where the caller expects that type is judged as it is
			return fitsEveryCaller(CompletableFuture.class, method, implementation, targetClass) ? Kind.ASYNC
					: Kind.STAGE;
		}
		if (Stream.class.isAssignableFrom(returned)) {
			// a stream of the method's own type cannot be swapped for the guarded one: judged when it returns
			return fitsEveryCaller(Stream.class, method, implementation, targetClass) ? Kind.STREAM : Kind.SYNC;
		}
		if (!fitsEveryCaller(returned, method, implementation, targetClass)) {
			// a publisher of a type a variable leaves open: the guarded one would be of another type
			return Kind.SYNC;
		}
		if (FLUX.equals(returned.getName())) {
			return Kind.FLUX;
		}
		if (MONO.equals(returned.getName())) {
			return Kind.MONO;
		}
		ReactiveAdapter adapter = REACTOR_PRESENT ? adapterFor(returned) : null;
		if (adapter != null) {
			this.adapters.put(method, adapter);
			return Kind.ADAPTED;
		}
		return Kind.SYNC;
	}

	/**
	 * Whether the breaker's own future, stream or publisher, of the given type, can go where every caller expects the
	 * result: an interface proxy hands this advice one interface's method for all the interfaces that declare the
	 * same erased method, so each declaration's caller counts.
	 */
	private static boolean fitsEveryCaller(Class<?> guarded, Method method, Method implementation,
			Class<?> targetClass) {
		if (!fits(guarded, expectedType(method, implementation, targetClass))) {
			return false;
		}
		for (Class<?> type : ClassUtils.getAllInterfacesForClassAsSet(targetClass)) {
			Method declared = ReflectionUtils.findMethod(type, method.getName(), method.getParameterTypes());
			if (declared != null && !declared.equals(method)
					&& !fits(guarded, expectedType(declared, implementation, targetClass))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * The type the caller's code takes the result as: what the method it called declares, or, where that is a type
	 * variable, what the target's class makes of it. Through an interface proxy the method called is the
	 * interface's, which a generic interface erases ({@code Function.apply} returns {@code Object} even for a
	 * {@code Function<String, Flux<String>>}, and the caller casts it to {@code Flux}); the class that implements it
	 * declares the type, or resolves it from a generic superclass (a lambda does neither, and is judged when it
	 * returns).
	 * @return the type, or {@code null} when a type variable the target's class leaves open (one of the bean's own
	 * class, or of the method) stands for it: the caller casts to a type no one here knows
	 */
	private static @Nullable Class<?> expectedType(Method method, Method implementation, Class<?> targetClass) {
		if (!(method.getGenericReturnType() instanceof TypeVariable<?>)) {
			return method.getReturnType();
		}
		Type resolved = implementation.getGenericReturnType();
		Map<TypeVariable, Type> bound = GenericTypeResolver.getTypeVariableMap(targetClass);
		for (int depth = 0; resolved instanceof TypeVariable<?> variable && depth < 16; depth++) {
			Type next = bound.get(variable);
			if (next == null) {
				return null; // the method's own, or one the bean's class leaves open
			}
			resolved = next;
		}
		if (resolved == Object.class) {
			// a class without generic signatures (a JDK proxy, a generated client) binds the interface's variable
			return GenericTypeResolver.resolveReturnType(method, targetClass);
		}
		return (resolved instanceof TypeVariable<?>) ? null : ResolvableType.forType(resolved).resolve();
	}

	/** Whether the breaker's own future or stream, of the given type, can go where the caller expects its result. */
	private static boolean fits(Class<?> guarded, @Nullable Class<?> expected) {
		return expected != null && expected.isAssignableFrom(guarded);
	}

	/**
	 * A method whose implementation cannot reach the upstream, so that counting it would close a half-open breaker on
	 * a call that never went out, or refusing it would refuse a local answer: {@code Provider.warmup()} as its
	 * interface leaves it (doing nothing), and the streaming methods of a Spring AI model that does not stream.
	 */
	private static boolean isLocalImplementation(Method method, Class<?> targetClass) {
		if (method.getName().equals("warmup") && method.getParameterCount() == 0) {
			return isImplementedBy(method, targetClass, Provider.class.getName());
		}
		return method.getName().startsWith("stream") && isUnsupportedStream(method, targetClass);
	}

	/**
	 * Whether the method is a streaming method of a Spring AI model that does not stream: one whose streaming method
	 * ({@code ChatModel.stream(Prompt)}, {@code StreamingTranscriptionModel.stream(AudioTranscriptionPrompt)}) is left
	 * as its interface's default, which answers {@code UnsupportedOperationException}, and which leaves every other
	 * streaming method of the same interfaces ({@code stream(String)}, {@code stream(Message...)},
	 * {@code streamTranscribe}) as its default too. A bean that implements any of them may stream through it, and is
	 * guarded.
	 */
	private static boolean isUnsupportedStream(Method method, Class<?> targetClass) {
		for (Map.Entry<String, String> unsupported : UNSUPPORTED_STREAMS.entrySet()) {
			Method stream = findStream(targetClass, unsupported.getValue());
			if (stream != null && isImplementedBy(stream, targetClass, unsupported.getKey())
					&& method.getDeclaringClass().isAssignableFrom(stream.getDeclaringClass())
					&& streamsNowhere(stream.getDeclaringClass(), targetClass)) {
				return true;
			}
		}
		return false;
	}

	/** Whether the target implements none of the streaming methods of the interface, all left as their defaults. */
	private static boolean streamsNowhere(Class<?> type, Class<?> targetClass) {
		for (Method candidate : type.getMethods()) {
			if (candidate.getName().startsWith("stream")
					&& !AopUtils.getMostSpecificMethod(candidate, targetClass).getDeclaringClass().isInterface()) {
				return false;
			}
		}
		return true;
	}

	private static @Nullable Method findStream(Class<?> targetClass, String parameterType) {
		for (Method candidate : targetClass.getMethods()) {
			if (candidate.getName().equals("stream") && candidate.getParameterCount() == 1
					&& candidate.getParameterTypes()[0].getName().equals(parameterType)) {
				return candidate;
			}
		}
		return null;
	}

	/**
	 * A method the container calls: a {@code @Bean} method of a configuration class that is itself an upstream bean
	 * (it makes a bean), an {@code @EventListener} method (it is handed an event: the bean's own breaker's state
	 * changes, a rotated key) or a {@code @Scheduled} one. None is a call to the upstream asked for by a caller, and
	 * each must reach the bean while its breaker is open; an event delivered through a half-open breaker would even
	 * take its probe and close it.
	 */
	private static boolean isContainerCallback(Method method, Class<?> targetClass) {
		Method implementation = AopUtils.getMostSpecificMethod(method, targetClass);
		return AnnotatedElementUtils.hasAnnotation(implementation, Bean.class)
				|| ProxyShapes.isEventListener(implementation) || ProxyShapes.isScheduled(implementation);
	}

	private static boolean isImplementedBy(Method method, Class<?> targetClass, String owner) {
		return AopUtils.getMostSpecificMethod(method, targetClass).getDeclaringClass().getName().equals(owner);
	}

	private boolean isUpstreamMethod(Method method) {
		for (Class<?> type : this.upstreamTypes) {
			if (ReflectionUtils.findMethod(type, method.getName(), method.getParameterTypes()) != null) {
				return true;
			}
		}
		return false;
	}

	private static boolean isBeanAccessor(Method method) {
		String name = method.getName();
		int parameters = method.getParameterCount();
		boolean returnsNothing = method.getReturnType() == void.class;
		return (parameters == 0 && !returnsNothing && isPrefixed(name, "get"))
				|| (parameters == 0 && method.getReturnType() == boolean.class && isPrefixed(name, "is"))
				|| (parameters == 1 && returnsNothing && isPrefixed(name, "set"));
	}

	/**
	 * A record-style accessor: a method that takes nothing and is named after one of the bean's final fields, of a
	 * type it can return ({@code modelName()} for a field {@code modelName}). It answers locally; guarded, it would
	 * count as a success between failures and be refused while the breaker is open.
	 */
	private static boolean isFieldAccessor(Method method, Class<?> targetClass) {
		if (method.getParameterCount() != 0 || method.getReturnType() == void.class) {
			return false;
		}
		Field field = ReflectionUtils.findField(targetClass, method.getName());
		// final: a field filled on first use (a lazy list of models) may be filled from the upstream
		return field != null && !Modifier.isStatic(field.getModifiers()) && Modifier.isFinal(field.getModifiers())
				&& ClassUtils.isAssignable(method.getReturnType(), field.getType());
	}

	private static boolean isPrefixed(String name, String prefix) {
		return name.length() > prefix.length() && name.startsWith(prefix)
				&& Character.isUpperCase(name.charAt(prefix.length()));
	}

	/**
	 * Whether the method is (or implements) a method of a JDK or Spring type, such as a lifecycle callback. The
	 * abstract method of the JDK's interfaces for a piece of work ({@code Function.apply}, {@code Supplier.get},
	 * {@code Callable.call}, {@code Runnable.run}, ...) is not: through it a bean is asked to do its work, which may
	 * well be a call to the upstream.
	 */
	private static boolean isInfrastructureMethod(Method method, Class<?> targetClass) {
		if (isInfrastructureMethodOf(method.getDeclaringClass(), method)) {
			return true;
		}
		for (Class<?> type : ClassUtils.getAllInterfacesForClassAsSet(method.getDeclaringClass())) {
			Method declared = ReflectionUtils.findMethod(type, method.getName(), method.getParameterTypes());
			if (declared != null && isInfrastructureMethodOf(type, declared)) {
				return true;
			}
		}
		// the container's listener interface implemented for a type argument, which no exact signature finds:
		// onApplicationEvent(OrderPlaced) implements ApplicationListener.onApplicationEvent(E); other generic
		// interfaces (Comparable.compareTo, Converter.convert) may ask for work, and stay guarded
		return ProxyShapes.implementsMethodOf(method, targetClass, GENERIC_CALLBACK);
	}

	/**
	 * Whether the type's method is infrastructure: any method of a JDK or Spring type, but of a work interface only
	 * its default methods ({@code Function.andThen}, which only composes).
	 */
	private static boolean isInfrastructureMethodOf(Class<?> type, Method method) {
		return isWorkInterface(type) ? method.isDefault() && !implementsWork(type, method) : isInfrastructureType(type);
	}

	/**
	 * Whether a work interface's default method is the work of another it extends: {@code ThrowingFunction.apply}
	 * implements {@code Function.apply} (by calling {@code applyWithException}), where {@code Function.andThen} only
	 * composes.
	 */
	private static boolean implementsWork(Class<?> type, Method method) {
		for (Class<?> extended : type.getInterfaces()) {
			Method declared = ReflectionUtils.findMethod(extended, method.getName(), method.getParameterTypes());
			boolean abstractThere = declared != null && Modifier.isAbstract(declared.getModifiers());
			if (abstractThere || implementsWork(extended, method)) {
				return true;
			}
		}
		return false;
	}

	private static boolean isWorkInterface(Class<?> type) {
		String name = type.getName();
		return name.startsWith("java.util.function.") || name.equals("java.util.concurrent.Callable")
				|| name.equals("java.lang.Runnable") || name.startsWith("org.springframework.util.function.")
				|| name.startsWith("org.springframework.core.convert.converter.");
	}

	private static boolean isInfrastructureType(Class<?> type) {
		String name = type.getName();
		return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jakarta.")
				|| (name.startsWith("org.springframework.") && !name.startsWith("org.springframework.ai."));
	}

	/**
	 * The adapter of a deferred reactive type other than Reactor's own and a {@link CompletionStage} (a Kotlin
	 * {@code Flow}, RxJava types, a JDK {@code Flow.Publisher}), or {@code null}.
	 */
	private static @Nullable ReactiveAdapter adapterFor(Class<?> returned) {
		if (CompletionStage.class.isAssignableFrom(returned) || returned == Object.class
				|| returned.getName().equals(KOTLIN_DEFERRED)) {
			// a Deferred is running already, as a future is: adapting it would hand the caller a copy whose cancel
			// no longer reaches the work, so it is judged when the method returns, as before
			return null;
		}
		ReactiveAdapter adapter = ReactiveAdapterRegistry.getSharedInstance().getAdapter(returned);
		// only for the very type: an adapter of a supertype would answer that type, not the declared one
		return (adapter != null && adapter.getReactiveType() == returned && adapter.getDescriptor().isDeferred())
				? adapter : null;
	}

	/** Proceeds with the invocation, letting a checked exception of the target through undeclared. */
	private static @Nullable Object proceed(MethodInvocation invocation) {
		try {
			return invocation.proceed();
		}
		catch (Throwable ex) {
			throw CircuitBreakerInterceptor.<RuntimeException>sneaky(ex);
		}
	}

	/**
	 * Calls the rest of the chain and the target again, for reactive types whose every subscription is one call. A
	 * Spring AOP invocation is cloned for each subscription, so that the advice after this one runs every time.
	 */
	static @Nullable Object invokeAgain(MethodInvocation invocation) {
		try {
			if (invocation instanceof ProxyMethodInvocation proxyInvocation) {
				return proxyInvocation.invocableClone().proceed();
			}
			return AopUtils.invokeJoinpointUsingReflection(invocation.getThis(), invocation.getMethod(),
					invocation.getArguments());
		}
		catch (Throwable ex) {
			throw CircuitBreakerInterceptor.<RuntimeException>sneaky(ex);
		}
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> E sneaky(Throwable ex) throws E {
		throw (E) ex;
	}

	private enum Kind {

		PASS, SYNC, DIMENSIONS, ASYNC, STAGE, STREAM, FLUX, MONO, SUSPEND_FLUX, SUSPEND_MONO, ADAPTED

	}

}
