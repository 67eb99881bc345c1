package io.zeroclaw.resilience.autoconfigure;

/**
 * Thrown at start-up when a {@code zeroclaw.resilience.*} property of an enabled feature has a value the feature
 * cannot work with. {@link InvalidResiliencePropertyFailureAnalyzer} turns it into a start-up report that names the
 * property, the bad value and the fix.
 */
public class InvalidResiliencePropertyException extends RuntimeException {

	private final String property;

	private final Object value;

	private final String reason;

	private final String action;

	/**
	 * @param property the full property name, such as {@code zeroclaw.resilience.rate-limit.window}
	 * @param value the offending value as bound (possibly {@code null})
	 * @param reason why the value cannot work
	 * @param action what to set instead
	 */
	public InvalidResiliencePropertyException(String property, Object value, String reason, String action) {
		super("Invalid value '" + value + "' for property '" + property + "': " + reason);
		this.property = property;
		this.value = value;
		this.reason = reason;
		this.action = action;
	}

	public String getProperty() {
		return this.property;
	}

	public Object getValue() {
		return this.value;
	}

	public String getReason() {
		return this.reason;
	}

	public String getAction() {
		return this.action;
	}

}
