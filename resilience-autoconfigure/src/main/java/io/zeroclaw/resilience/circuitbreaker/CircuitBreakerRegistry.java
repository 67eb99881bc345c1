package io.zeroclaw.resilience.circuitbreaker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * The breakers of an application by name, each created once and kept for the application's lifetime. Whatever needs
 * to see every breaker (metrics, events, an operator endpoint) looks here, or registers with {@link #onEachBreaker}
 * to hear of each breaker, those already created and those still to come.
 */
public final class CircuitBreakerRegistry {

	private final ConcurrentMap<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

	private final List<Consumer<CircuitBreaker>> observers = new ArrayList<>();

	/**
	 * Returns the breaker of that name, creating it with {@code factory} the first time. Creation and the telling of
	 * observers happen under this registry's lock; lookups of existing breakers take no lock.
	 * @param name the breaker's name
	 * @param factory creates the breaker for a name; called at most once per name
	 * @return the breaker of that name
	 * @throws IllegalArgumentException when {@code factory} returns a breaker of another name
	 * @throws RuntimeException the first failure of an observer told of the new breaker (a checked one wrapped in an
	 * {@link IllegalStateException}), once every observer was told; the breaker is registered all the same, and the
	 * next call returns it without telling the observers again
	 */
	public CircuitBreaker computeIfAbsent(String name, Function<String, CircuitBreaker> factory) {
		CircuitBreaker existing = this.breakers.get(name);
		if (existing != null) {
			return existing;
		}
		synchronized (this.observers) {
			existing = this.breakers.get(name);
			if (existing != null) {
				return existing;
			}
			CircuitBreaker created = Objects.requireNonNull(factory.apply(name),
					() -> "factory returned null for the name '" + name + "'");
			if (!created.name().equals(name)) {
				throw new IllegalArgumentException(
						"factory created a breaker named '" + created.name() + "' for the name '" + name + "'");
			}
			this.breakers.put(name, created);
			tellObservers(created);
			return created;
		}
	}

	/**
	 * Tells every observer of a new breaker, each whatever the others throw: the breaker is registered, and one that
	 * an observer missed would never be told of again. The first failure is then thrown to the breaker's creator.
	 * The observers are those registered when the breaker was created: one that adds or removes an observer while it
	 * is told (a one-shot observer removing itself) changes the list for later breakers, not the loop under way.
	 */
	private void tellObservers(CircuitBreaker created) {
		Throwable failure = null;
		for (Consumer<CircuitBreaker> observer : List.copyOf(this.observers)) {
			failure = tell(observer, created, failure);
		}
		throwIfFailed(failure);
	}

	/** Tells one observer of one breaker, and returns the first failure so far. */
	private static @Nullable Throwable tell(Consumer<CircuitBreaker> observer, CircuitBreaker breaker,
			@Nullable Throwable failure) {
		try {
			observer.accept(breaker);
		}
		catch (Throwable ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			if (failure == null) {
				return ex;
			}
			if (ex != failure) {
				failure.addSuppressed(ex);
			}
		}
		return failure;
	}

	private static void throwIfFailed(@Nullable Throwable failure) {
		if (failure instanceof RuntimeException runtime) {
			throw runtime;
		}
		if (failure instanceof Error error) {
			throw error;
		}
		if (failure != null) {
			throw new IllegalStateException("An observer of circuit breakers failed", failure);
		}
	}

	/**
	 * @param name a breaker's name
	 * @return the breaker of that name, if one was created
	 */
	public Optional<CircuitBreaker> find(String name) {
		return Optional.ofNullable(this.breakers.get(name));
	}

	/** @return every breaker by name, sorted by name; a snapshot that later creations do not change */
	public Map<String, CircuitBreaker> breakers() {
		return Collections.unmodifiableMap(new TreeMap<>(this.breakers));
	}

	/**
	 * Calls {@code observer} for every breaker created so far, now, and for every breaker created later, when it is
	 * created.
	 * @param observer told of each breaker exactly once
	 * @throws RuntimeException the first exception the observer threw for a breaker created so far, once it has been
	 * told of all of them (an error as it was, a checked exception wrapped in an {@code IllegalStateException}); it
	 * stays registered for later breakers
	 */
	public void onEachBreaker(Consumer<CircuitBreaker> observer) {
		Objects.requireNonNull(observer, "observer must not be null");
		synchronized (this.observers) {
			this.observers.add(observer);
			Throwable failure = null;
			for (CircuitBreaker breaker : new TreeMap<>(this.breakers).values()) {
				failure = tell(observer, breaker, failure);
			}
			throwIfFailed(failure);
		}
	}

	/**
	 * Stops telling {@code observer} of new breakers, for an observer whose owner goes away while the registry stays
	 * (a registry shared by several application contexts, or a parent context's).
	 * @param observer the very instance given to {@link #onEachBreaker}
	 */
	public void removeObserver(Consumer<CircuitBreaker> observer) {
		synchronized (this.observers) {
			this.observers.remove(observer);
		}
	}

}
