package io.zeroclaw.resilience.provider;

import java.util.Objects;

/**
 * A tool the model may call.
 *
 * @param name the tool's name, as the model will use it; not blank
 * @param description what the tool does, for the model; never {@code null}
 * @param parametersSchema the JSON Schema of the tool's arguments, as JSON text; never {@code null}
 */
public record ToolSpec(String name, String description, String parametersSchema) {

	/**
	 * Checks the arguments.
	 * @throws IllegalArgumentException when name is blank
	 * @throws NullPointerException when description or parametersSchema is {@code null}
	 */
	public ToolSpec {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		Objects.requireNonNull(description, "description must not be null");
		Objects.requireNonNull(parametersSchema, "parametersSchema must not be null");
	}

}
