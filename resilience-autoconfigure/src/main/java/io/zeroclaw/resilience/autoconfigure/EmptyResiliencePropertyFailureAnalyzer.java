package io.zeroclaw.resilience.autoconfigure;

import java.beans.PropertyDescriptor;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.ConverterNotFoundException;
import org.springframework.core.env.Environment;

/**
 * Reports a property under {@code zeroclaw.resilience} written with an empty value (what an unset variable behind
 * {@code ${...:}} gives): the binder leaves it unbound for a duration or a choice ({@code window=}) and cannot convert
 * it for a number or a switch ({@code burst=}), and Spring Boot's own report then says only that the element "was
 * left unbound" or that "a null value cannot be assigned to a primitive type". Also a group of settings written as a
 * single value (a YAML key whose settings are all commented out), which Spring Boot reports as a missing converter.
 * An empty value over a value of a lower source (an empty environment variable over the setting of
 * {@code application.yml}) leaves that value unbound too, and Spring Boot's report then names the file's valid
 * value: the report names the empty one. Ahead of those reports, so that the user reads what is wrong and what to
 * do; a name the starter does not have, and any other binding failure, are left to Spring Boot's report.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class EmptyResiliencePropertyFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

	private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("zeroclaw.resilience");

	private final @Nullable Environment environment;

	/**
	 * @param environment the application's environment, where an empty value over another is found; Spring Boot
	 * passes it to the analyzers it loads
	 */
	EmptyResiliencePropertyFailureAnalyzer(@Nullable Environment environment) {
		this.environment = environment;
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		if (findCause(cause, ConverterNotFoundException.class) != null && isGroup(cause.getName())) {
			return groupWrittenAsAValue(cause);
		}
		List<ConfigurationProperty> properties;
		if (cause.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
			properties = List.copyOf(unbound.getUnboundProperties());
		}
		else {
			properties = (cause.getProperty() != null) ? List.of(cause.getProperty()) : List.of();
		}
		List<ConfigurationProperty> shadowed = properties.stream().filter((property) -> !isKnownAndEmpty(property))
			.toList();
		List<ConfigurationProperty> empty = shadowed.stream().map(this::emptyAbove).toList();
		if (properties.isEmpty() || empty.contains(null)) {
			return null;
		}
		if (!shadowed.isEmpty()) {
			return emptyOverAValue(shadowed, empty, cause);
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

	/**
	 * The empty value that hides this one: the property of the same name in the first source that has it, when that
	 * value is empty.
	 */
	private @Nullable ConfigurationProperty emptyAbove(ConfigurationProperty property) {
		if (this.environment == null) {
			return null;
		}
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(this.environment)) {
			ConfigurationProperty first = source.getConfigurationProperty(property.getName());
			if (first != null) {
				return (isKnownAndEmpty(first) && first.getOrigin() != property.getOrigin()) ? first : null;
			}
		}
		return null;
	}

	private static FailureAnalysis emptyOverAValue(List<ConfigurationProperty> hidden,
			List<@Nullable ConfigurationProperty> empty, BindException cause) {
		StringBuilder description = new StringBuilder();
		for (int i = 0; i < hidden.size(); i++) {
			ConfigurationProperty value = hidden.get(i);
			ConfigurationProperty blank = Objects.requireNonNull(empty.get(i));
			description.append(String.format("The property '%s' is set to an empty value%s, which ZeroClaw "
					+ "Resilience cannot use:%n    an empty value sets nothing, and it hides the value '%s'%s.%n",
					value.getName(), (blank.getOrigin() != null) ? " by " + blank.getOrigin() : "", value.getValue(),
					(value.getOrigin() != null) ? " from " + value.getOrigin() : ""));
		}
		String action = String.format("Remove the empty setting%s (an environment variable set to nothing, or an "
				+ "unset variable behind ${...:}) to keep the value below it, or give it a value.",
				(hidden.size() == 1) ? "" : "s");
		return new FailureAnalysis(description.toString().stripTrailing(), action, cause);
	}

	private static FailureAnalysis groupWrittenAsAValue(BindException cause) {
		ConfigurationProperty property = cause.getProperty();
		String origin = (property != null && property.getOrigin() != null) ? ", " + property.getOrigin() : "";
		String written = (property == null) ? "" : " ('" + property.getValue() + "'" + origin + ")";
		String hint = (property == null || property.getValue().toString().isBlank())
				? "; in YAML a key whose settings below it are all commented out reads as such a value (an empty one)"
				: "";
		String description = String.format("The property '%s'%s is written as a single value, which ZeroClaw "
				+ "Resilience cannot use:%n    it is a group of settings%s.", cause.getName(), written, hint);
		String action = String.format("Update '%s' in your application's configuration: give it its settings "
				+ "underneath, or remove the key.", cause.getName());
		return new FailureAnalysis(description, action, cause);
	}

	private static boolean isKnownAndEmpty(ConfigurationProperty property) {
		return property.getValue().toString().isBlank() && isKnown(property.getName());
	}

	/**
	 * Whether a name is one of the starter's properties: its elements, walked from {@link ResilienceProperties},
	 * each name a property of the type reached so far (a map's key and a list's index standing for its entries).
	 */
	static boolean isKnown(ConfigurationPropertyName name) {
		return typeOf(name) != null;
	}

	/** Whether a name is one of the starter's groups of settings (a nested object or a map), not a single setting. */
	private static boolean isGroup(ConfigurationPropertyName name) {
		ResolvableType type = typeOf(name);
		Class<?> raw = (type != null) ? type.resolve() : null;
		return raw != null && !BeanUtils.isSimpleValueType(raw) && raw != Duration.class
				&& !Collection.class.isAssignableFrom(raw);
	}

	/** The type a name of the starter's binds to, or {@code null} when it is none of the starter's properties. */
	private static @Nullable ResolvableType typeOf(ConfigurationPropertyName name) {
		if (!ROOT.isAncestorOf(name)) {
			return null;
		}
		ResolvableType type = ResolvableType.forClass(ResilienceProperties.class);
		for (int i = ROOT.getNumberOfElements(); i < name.getNumberOfElements(); i++) {
			Class<?> raw = type.resolve();
			if (raw == null || BeanUtils.isSimpleValueType(raw) || raw == Duration.class) {
				return null;
			}
			if (Map.class.isAssignableFrom(raw)) {
				type = type.asMap().getGeneric(1);
				continue;
			}
			if (Collection.class.isAssignableFrom(raw)) {
				if (!name.isNumericIndex(i)) {
					return null;
				}
				type = type.asCollection().getGeneric(0);
				continue;
			}
			PropertyDescriptor descriptor = descriptor(raw, name.getElement(i, ConfigurationPropertyName.Form.UNIFORM));
			if (descriptor == null) {
				return null;
			}
			type = ResolvableType.forMethodReturnType(descriptor.getReadMethod());
		}
		return type;
	}

	private static @Nullable PropertyDescriptor descriptor(Class<?> type, String uniformName) {
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			// a nested group has a getter only; every setting has a getter too
			if (descriptor.getReadMethod() != null && !"class".equals(descriptor.getName())
					&& descriptor.getName().toLowerCase(Locale.ROOT).equals(uniformName)) {
				return descriptor;
			}
		}
		return null;
	}

}
