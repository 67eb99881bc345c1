package io.zeroclaw.resilience.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.origin.Origin;

/**
 * Thrown at start-up when a {@code zeroclaw.resilience.*} property of an enabled feature has a value the feature
 * cannot work with. {@link InvalidResiliencePropertyFailureAnalyzer} turns it into a start-up report that names the
 * property, the bad value and the fix.
 */
public class InvalidResiliencePropertyException extends RuntimeException {

	private final String property;

	private final @Nullable Object value;

	private final String reason;

	private final String action;

	private final @Nullable Origin origin;

	/**
	 * @param property the full property name, such as {@code zeroclaw.resilience.rate-limit.window}
	 * @param value the offending value as bound (possibly {@code null})
	 * @param reason why the value cannot work
	 * @param action what to set instead
	 */
	public InvalidResiliencePropertyException(String property, @Nullable Object value, String reason,
			String action) {
		super("Invalid value '" + format(value) + "' for property '" + property + "': " + reason);
		this.property = property;
		this.value = format(value);
		this.reason = reason;
		this.action = action;
		this.origin = null;
	}

	private InvalidResiliencePropertyException(InvalidResiliencePropertyException failure, Origin origin) {
		super(failure.getMessage() + " (" + origin + ")");
		this.property = failure.property;
		this.value = failure.value;
		this.reason = failure.reason;
		this.action = failure.action;
		this.origin = origin;
		setStackTrace(failure.getStackTrace());
	}

	/**
	 * @param origin where the value was written, such as the environment variable that overrides a file's value
	 * @return this failure, saying where the value comes from
	 */
	InvalidResiliencePropertyException withOrigin(@Nullable Origin origin) {
		return (origin != null && this.origin == null) ? new InvalidResiliencePropertyException(this, origin) : this;
	}

	/**
	 * Shows a value as a user would write it in {@code application.yml}: a duration as {@code 30s}, not
	 * {@code PT30S}.
	 */
	private static @Nullable Object format(@Nullable Object value) {
		if (value instanceof Duration duration) {
			return formatDuration(duration);
		}
		return value;
	}

	private static String formatDuration(Duration duration) {
		if (duration.isZero()) {
			return "0s";
		}
		long nanos;
		try {
			nanos = duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return duration.toString();
		}
		long[] units = { 86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L };
		String[] suffixes = { "d", "h", "m", "s", "ms", "us" };
		for (int i = 0; i < units.length; i++) {
			if (nanos % units[i] == 0) {
				return (nanos / units[i]) + suffixes[i];
			}
		}
		return nanos + "ns";
	}

	public String getProperty() {
		return this.property;
	}

	public @Nullable Object getValue() {
		return this.value;
	}

	public String getReason() {
		return this.reason;
	}

	public String getAction() {
		return this.action;
	}

	/**
	 * @return where the value was written, when the environment tracks it
	 */
	public @Nullable Origin getOrigin() {
		return this.origin;
	}

}
