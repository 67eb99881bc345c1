package io.zeroclaw.resilience.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidResiliencePropertyException} as a start-up failure: what is wrong, with the value, and the
 * property to change.
 */
class InvalidResiliencePropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidResiliencePropertyException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidResiliencePropertyException cause) {
		// where the value was written: the file a user opens may hold a valid value that a variable overrides
		String origin = (cause.getOrigin() != null) ? " (" + cause.getOrigin() + ")" : "";
		String description = String.format("The property '%s' has the value '%s'%s, which ZeroClaw Resilience cannot "
				+ "use:%n    %s", cause.getProperty(), cause.getValue(), origin, cause.getReason());
		String action = String.format("Update '%s' in your application's configuration: %s", cause.getProperty(),
				cause.getAction());
		return new FailureAnalysis(description, action, cause);
	}

}
