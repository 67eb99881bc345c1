package io.zeroclaw.resilience.autoconfigure;

import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Reports a property under {@code zeroclaw.resilience} written with an empty value (what an unset variable behind
 * {@code ${...:}} gives): the binder leaves it unbound for a duration or a choice ({@code window=}) and cannot convert
 * it for a number or a switch ({@code burst=}), and Spring Boot's own report then says only that the element "was
 * left unbound" or that "a null value cannot be assigned to a primitive type". Ahead of that report, so that the user
 * reads that the value is empty and what to do; any other binding failure is left to Spring Boot's report.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class EmptyResiliencePropertyFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		List<ConfigurationProperty> properties;
		if (cause.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
			properties = List.copyOf(unbound.getUnboundProperties());
		}
		else {
			properties = (cause.getProperty() != null) ? List.of(cause.getProperty()) : List.of();
		}
		if (properties.isEmpty() || !properties.stream().allMatch((property) -> isOursAndEmpty(property))) {
			return null;
		}
		String written = properties.stream()
			.map((property) -> "'" + property.getName() + "'"
					+ ((property.getOrigin() != null) ? " (" + property.getOrigin() + ")" : ""))
			.collect(Collectors.joining(", "));
		String names = properties.stream()
			.map((property) -> "'" + property.getName() + "'")
			.collect(Collectors.joining(", "));
		boolean one = properties.size() == 1;
		String description = String.format("The propert%s %s ha%s an empty value, which ZeroClaw Resilience cannot "
				+ "use:%n    an empty value sets nothing; an unset variable behind ${...:} is the usual cause.",
				one ? "y" : "ies", written, one ? "s" : "ve");
		String action = String.format("Update %s in your application's configuration: give %s a value, or remove "
				+ "%s to keep %s default.", names, one ? "it" : "each", one ? "it" : "them", one ? "its" : "their");
		return new FailureAnalysis(description, action, cause);
	}

	private static boolean isOursAndEmpty(ConfigurationProperty property) {
		return property.getName().toString().startsWith(ResiliencePropertiesValidator.PREFIX)
				&& property.getValue() != null && property.getValue().toString().isBlank();
	}

}
