package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a {@link RateLimiter} whose shared store could not decide in time and whose policy is to deny rather than
 * guess. The client did nothing wrong: an HTTP layer answers {@code 503 Service Unavailable}, not {@code 429}.
 */
public class RateLimitStoreUnavailableException extends RuntimeException {

	private final Duration retryAfter;

	/**
	 * @param message what failed
	 * @param retryAfter how long a client should wait before trying again; never negative
	 * @param cause the store's failure, possibly {@code null}
	 */
	public RateLimitStoreUnavailableException(String message, @Nullable Duration retryAfter,
			@Nullable Throwable cause) {
		super(message, cause);
		this.retryAfter = (retryAfter == null || retryAfter.isNegative()) ? Duration.ZERO : retryAfter;
	}

	/** @return how long a client should wait before trying again; possibly zero but never negative */
	public Duration retryAfter() {
		return this.retryAfter;
	}

}
