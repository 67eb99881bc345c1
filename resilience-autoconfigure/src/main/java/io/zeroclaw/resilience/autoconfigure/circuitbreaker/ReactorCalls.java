package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker.Permission;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

import org.springframework.core.ReactiveAdapter;

/**
 * Guards Reactor publishers; loaded only when a guarded method returns one, so Reactor stays optional. The breaker is
 * asked at subscription (a refusal is an error signal), the call is made then, and exactly one outcome is reported:
 * completion is a success, an error a failure. A cancellation is a success once the upstream has sent an element (it
 * answered; the consumer stopped reading, as {@code take(n)} and {@code next()} do), and gives the permission back
 * before that (the caller gave up, say by its own {@code timeout()}).
 */
final class ReactorCalls {

	private ReactorCalls() {
	}

	static Flux<?> flux(CircuitBreaker breaker, Supplier<@Nullable Object> call) {
		return flux(breaker, call, call);
	}

	/**
	 * @param joined makes the call when it is part of a call in progress
	 * @param own makes the call when it holds a permission of its own, as the innermost call on this thread
	 */
	static Flux<?> flux(CircuitBreaker breaker, Supplier<@Nullable Object> joined, Supplier<@Nullable Object> own) {
		return Flux.deferContextual((context) -> {
			if (HeldBreakers.runsUnder(breaker) || heldIn(context, breaker)) {
				// subscribed to by a call of the same breaker in progress on this thread: part of that call
				return Flux.from(Objects.requireNonNull((Flux<?>) joined.get(), "The guarded method returned null"));
			}
			// read before the permission is asked for: see CircuitBreakerInterceptor.held
			long period = breaker.transitions();
			Permission permission = breaker.acquirePermission();
			InProgress progress = new InProgress(period);
			Flux<?> source;
			try {
				source = (Flux<?>) HeldBreakers.run(breaker, progress, period, own);
			}
			catch (Throwable ex) {
				progress.end();
				permission.onThrown(ex);
				keepInterrupt(ex);
				throw ex;
			}
			if (source == null) {
				progress.end();
				// A broken upstream client: counted, so that a half-open probe never waits for a signal that
				// cannot come.
				NullPointerException ex = new NullPointerException("The guarded method returned null, not a Flux");
				permission.onFailure(ex);
				return Flux.error(ex);
			}
			Answered answered = new Answered();
			Flux<?> guarded = source.doOnNext(answered)
				.doOnComplete(permission::onSuccess)
				.doOnError((failure) -> failed(breaker, permission, failure))
				.doOnCancel(() -> {
					if (answered.seen) {
						permission.onSuccess();
					}
				})
				.doFinally((signal) -> permission.onIgnore());
			return Flux.from(held(breaker, progress, guarded));
		});
	}

	static Mono<?> mono(CircuitBreaker breaker, Supplier<@Nullable Object> call) {
		return mono(breaker, call, call);
	}

	/**
	 * @param joined makes the call when it is part of a call in progress
	 * @param own makes the call when it holds a permission of its own, as the innermost call on this thread
	 */
	static Mono<?> mono(CircuitBreaker breaker, Supplier<@Nullable Object> joined, Supplier<@Nullable Object> own) {
		return Mono.deferContextual((context) -> {
			if (HeldBreakers.runsUnder(breaker) || heldIn(context, breaker)) {
				// subscribed to by a call of the same breaker in progress on this thread: part of that call
				return Objects.requireNonNull((Mono<?>) joined.get(), "The guarded method returned null");
			}
			// read before the permission is asked for: see CircuitBreakerInterceptor.held
			long period = breaker.transitions();
			Permission permission = breaker.acquirePermission();
			InProgress progress = new InProgress(period);
			Mono<?> source;
			try {
				source = (Mono<?>) HeldBreakers.run(breaker, progress, period, own);
			}
			catch (Throwable ex) {
				progress.end();
				permission.onThrown(ex);
				keepInterrupt(ex);
				throw ex;
			}
			if (source == null) {
				progress.end();
				// A broken upstream client: counted, so that a half-open probe never waits for a signal that
				// cannot come.
				NullPointerException ex = new NullPointerException("The guarded method returned null, not a Mono");
				permission.onFailure(ex);
				return Mono.error(ex);
			}
			Mono<?> guarded = source.doOnSuccess((value) -> {
				// answered: a coroutine the body left behind is not part of the call while the caller handles it
				progress.end();
				permission.onSuccess();
			})
				.doOnError((failure) -> failed(breaker, permission, failure))
				.doFinally((signal) -> permission.onIgnore());
			return Mono.fromDirect(held(breaker, progress, guarded));
		});
	}

	/**
	 * Sets again the interrupt that a call thrown out as {@code InterruptedException} cleared: Reactor hands it to the
	 * subscriber as an error signal, not thrown, and the caller's thread would otherwise not know it was interrupted.
	 */
	private static void keepInterrupt(Throwable thrown) {
		if (thrown instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Reports an error signal: one signalled while the subscribing thread runs the held call (its subscribe, or a
	 * request) failed on that thread, whose interrupt then means the call was given up; one arriving on another thread
	 * (a client's own) is the upstream's, whatever that thread's interrupt says.
	 */
	private static void failed(CircuitBreaker breaker, Permission permission, Throwable failure) {
		if (HeldBreakers.runsUnder(breaker)) {
			permission.onThrown(failure);
		}
		else {
			permission.onFailure(failure);
		}
	}

	/**
	 * Guards a call that answers another deferred reactive type Spring can adapt (a Kotlin {@code Flow}, an RxJava
	 * {@code Flowable} or {@code Single}, a JDK {@code Flow.Publisher}): as a {@code Flux} or a {@code Mono}, by how
	 * many values the type carries, turned back into the type the caller expects.
	 */
	static Object adapted(CircuitBreaker breaker, ReactiveAdapter adapter, Supplier<@Nullable Object> call) {
		Publisher<?> guarded;
		if (adapter.isMultiValue()) {
			guarded = flux(breaker, () -> {
				Object source = call.get();
				return (source != null) ? Flux.from(adapter.toPublisher(source)) : null;
			});
		}
		else {
			guarded = mono(breaker, () -> {
				Object source = call.get();
				return (source != null) ? Mono.from(adapter.toPublisher(source)) : null;
			});
		}
		return adapter.fromPublisher(guarded);
	}

	/**
	 * Whether a Kotlin {@code suspend} function answers many values: one whose declared result is a {@code Flow} or
	 * a publisher other than a {@code Mono}, which Spring's coroutine support runs as a {@code Flux}; the others as
	 * a {@code Mono}.
	 */
	static boolean isMultiValue(Class<?> suspendResult) {
		return (Publisher.class.isAssignableFrom(suspendResult) && !Mono.class.isAssignableFrom(suspendResult))
				|| isAssignableTo(suspendResult, "kotlinx.coroutines.flow.Flow");
	}

	private static boolean isAssignableTo(@Nullable Class<?> type, String name) {
		if (type == null) {
			return false;
		}
		if (type.getName().equals(name)) {
			return true;
		}
		for (Class<?> implemented : type.getInterfaces()) {
			if (isAssignableTo(implemented, name)) {
				return true;
			}
		}
		return isAssignableTo(type.getSuperclass(), name);
	}

	/**
	 * Whether a call of the breaker subscribed to with this context is part of a call in progress whose permission the
	 * context carries (see {@link SignalsOutside#currentContext()}): the same test as {@link HeldBreakers#runsUnder}.
	 */
	private static boolean heldIn(ContextView context, CircuitBreaker breaker) {
		return context.getOrDefault(breaker, null) instanceof InProgress call && !call.hasEnded()
				&& call.period == breaker.transitions() && breaker.state() != CircuitState.OPEN;
	}

	/**
	 * The publisher, subscribed to as a call that holds a permission of the breaker: what it runs on the subscribing
	 * thread (a deferred body, elements made when asked for) is part of the call, while the signals it sends go to
	 * the caller's code without the permission.
	 */
	private static Publisher<Object> held(CircuitBreaker breaker, InProgress progress, Publisher<?> publisher) {
		return (subscriber) -> {
			SignalsOutside call = new SignalsOutside(subscriber, breaker, progress);
			HeldBreakers.Frame frame = HeldBreakers.enter(breaker, progress, progress.period);
			try {
				publisher.subscribe(call);
			}
			finally {
				HeldBreakers.exit(frame);
			}
		};
	}

	/**
	 * Hands a held publisher's signals to the caller's subscriber outside the call's mark, and runs the caller's
	 * requests (which make the publisher produce) inside it.
	 */
	private static final class SignalsOutside implements CoreSubscriber<Object>, Subscription {

		private final Subscriber<? super Object> actual;

		private final CircuitBreaker breaker;

		private final long period;

		private volatile @Nullable Subscription upstream;

		/**
		 * What the context says of the call: its period, and whether it has ended (or its caller has cancelled it),
		 * after which a coroutine that inherited the context of a {@code suspend} function's body is not part of it.
		 * Not the subscriber itself, which would keep the caller reachable from such a coroutine.
		 */
		private final InProgress progress;

		SignalsOutside(Subscriber<? super Object> actual, CircuitBreaker breaker, InProgress progress) {
			this.actual = actual;
			this.breaker = breaker;
			this.period = progress.period;
			this.progress = progress;
		}

		@Override
		public Context currentContext() {
			Context context = (this.actual instanceof CoreSubscriber<?> core) ? core.currentContext() : Context.empty();
			// the call's permission, for code of the call that runs where the thread's mark cannot reach: the body of
			// a Kotlin suspend function, which Spring's coroutine support runs on the caller's dispatcher, and which
			// sees this context (kotlinx-coroutines-reactor hands it on to the publishers the body awaits)
			return context.put(this.breaker, this.progress);
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			this.upstream = subscription;
			HeldBreakers.outside(this.progress, () -> this.actual.onSubscribe(this));
		}

		@Override
		public void onNext(Object element) {
			HeldBreakers.outside(this.progress, () -> this.actual.onNext(element));
		}

		@Override
		public void onError(Throwable error) {
			this.progress.end();
			HeldBreakers.outside(this.progress, () -> this.actual.onError(error));
		}

		@Override
		public void onComplete() {
			this.progress.end();
			HeldBreakers.outside(this.progress, this.actual::onComplete);
		}

		@Override
		public void request(long n) {
			HeldBreakers.inside(this.breaker, this.progress, this.period, () -> this.upstream.request(n));
		}

		@Override
		public void cancel() {
			this.progress.end();
			HeldBreakers.inside(this.breaker, this.progress, this.period, this.upstream::cancel);
		}

	}

	/** What a call's context says of it: nothing that keeps its caller or upstream reachable. */
	private static final class InProgress extends HeldBreakers.Call {

		final long period;

		InProgress(long period) {
			this.period = period;
		}

	}

	/** Notes that a subscription received an element; the cancellation that reads it may come from another thread. */
	private static final class Answered implements Consumer<Object> {

		volatile boolean seen;

		@Override
		public void accept(Object element) {
			if (!this.seen) {
				this.seen = true;
			}
		}

	}

}
