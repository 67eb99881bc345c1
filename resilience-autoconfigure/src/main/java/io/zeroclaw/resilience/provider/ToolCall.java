package io.zeroclaw.resilience.provider;

import java.util.Objects;

/**
 * A call of a tool the model asked for.
 *
 * @param id the provider's identifier of the call, echoed back with the tool's result; not blank
 * @param name the tool's name; not blank
 * @param arguments the arguments, as JSON text; never {@code null}
 */
public record ToolCall(String id, String name, String arguments) {

	/**
	 * Checks the arguments.
	 * @throws IllegalArgumentException when id or name is blank
	 * @throws NullPointerException when arguments is {@code null}
	 */
	public ToolCall {
		if (id == null || id.isBlank()) {
			throw new IllegalArgumentException("id must not be blank");
		}
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("name must not be blank");
		}
		Objects.requireNonNull(arguments, "arguments must not be null");
	}

}
