package io.zeroclaw.resilience.autoconfigure;

import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Reports a property under {@code zeroclaw.resilience} written with an empty value, which the binder leaves unbound
 * for a duration, a number or a choice ({@code window=}, what an unset variable behind {@code ${...:}} gives):
 * Spring Boot's own report then says only that the element "was left unbound". Ahead of that report, so that the user
 * reads that the value is empty and what to do; any other unbound property is left to Spring Boot's report.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class EmptyResiliencePropertyFailureAnalyzer extends AbstractFailureAnalyzer<UnboundConfigurationPropertiesException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, UnboundConfigurationPropertiesException cause) {
		List<ConfigurationProperty> unbound = List.copyOf(cause.getUnboundProperties());
		boolean allEmptyAndOurs = !unbound.isEmpty() && unbound.stream()
			.allMatch((property) -> property.getName().toString().startsWith(ResiliencePropertiesValidator.PREFIX)
					&& property.getValue() != null && property.getValue().toString().isBlank());
		if (!allEmptyAndOurs) {
			return null;
		}
		String names = unbound.stream()
			.map((property) -> "'" + property.getName() + "'"
					+ ((property.getOrigin() != null) ? " (" + property.getOrigin() + ")" : ""))
			.collect(Collectors.joining(", "));
		String description = String.format("The property %s has an empty value, which ZeroClaw Resilience cannot use:%n"
				+ "    an empty value sets nothing; an unset variable behind ${...:} is the usual cause.", names);
		String action = String.format("Update %s in your application's configuration: give it a value, or remove it to "
				+ "keep its default.", unbound.stream()
					.map((property) -> "'" + property.getName() + "'")
					.collect(Collectors.joining(", ")));
		return new FailureAnalysis(description, action, cause);
	}

}
