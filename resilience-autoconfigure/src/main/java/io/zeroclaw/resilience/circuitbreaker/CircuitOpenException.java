package io.zeroclaw.resilience.circuitbreaker;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown instead of making a call when a breaker does not permit it: the breaker is open, or half-open with every
 * probe slot taken. The call was not attempted, so it is always safe to retry after {@link #retryAfter()}.
 */
public class CircuitOpenException extends RuntimeException {

	private final String breakerName;

	private final Duration retryAfter;

	private final boolean probing;

	/**
	 * @param breakerName the name of the breaker that refused the call
	 * @param retryAfter how long to wait before trying again (while open, until the breaker lets a probe through);
	 * zero or positive, never {@code null}
	 */
	public CircuitOpenException(String breakerName, Duration retryAfter) {
		this(breakerName, retryAfter, false);
	}

	/**
	 * @param breakerName the name of the breaker that refused the call
	 * @param retryAfter how long to wait before trying again; zero or positive, never {@code null}
	 * @param probing whether the breaker is half-open with every probe slot taken, rather than open (a test double
	 * of an upstream can throw either refusal)
	 */
	public CircuitOpenException(String breakerName, Duration retryAfter, boolean probing) {
		super("Circuit breaker '" + breakerName + "' is "
				+ (probing ? "half-open and its probe calls are all in flight" : "open") + "; retry after "
				+ millis(retryAfter) + " ms", null, false, false);
		this.breakerName = breakerName;
		this.retryAfter = retryAfter.isNegative() ? Duration.ZERO : retryAfter;
		this.probing = probing;
	}

	/** The wait in whole milliseconds, as {@link #retryAfter()} says it, saturated past what a long holds. */
	private static long millis(Duration retryAfter) {
		Objects.requireNonNull(retryAfter, "retryAfter must not be null");
		if (retryAfter.isNegative()) {
			return 0;
		}
		return (retryAfter.getSeconds() >= Long.MAX_VALUE / 1000) ? Long.MAX_VALUE : retryAfter.toMillis();
	}

	/** @return the name of the breaker that refused the call */
	public String breakerName() {
		return this.breakerName;
	}

	/**
	 * @return how long to wait before trying again: while the breaker is open, until it lets a probe through; while
	 * its probes are all out, a short pause; possibly zero but never negative
	 */
	public Duration retryAfter() {
		return this.retryAfter;
	}

	/** @return whether the breaker is half-open with every probe slot taken, rather than open */
	public boolean probing() {
		return this.probing;
	}

}
