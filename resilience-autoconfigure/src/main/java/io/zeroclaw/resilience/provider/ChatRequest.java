package io.zeroclaw.resilience.provider;

import java.util.List;
import java.util.Objects;

/**
 * A conversation to continue, with the tools the model may call.
 *
 * @param messages the conversation so far, oldest first; not empty
 * @param tools the tools offered to the model; possibly empty, never {@code null}
 * @param model the model to ask; not blank
 * @param temperature the sampling temperature; zero or more
 */
public record ChatRequest(List<ChatMessage> messages, List<ToolSpec> tools, String model, double temperature) {

	/**
	 * Checks the arguments and copies the lists.
	 * @throws IllegalArgumentException naming the field when one is out of range
	 * @throws NullPointerException when a list or one of its elements is {@code null}
	 */
	public ChatRequest {
		messages = List.copyOf(Objects.requireNonNull(messages, "messages must not be null"));
		tools = List.copyOf(Objects.requireNonNull(tools, "tools must not be null"));
		if (messages.isEmpty()) {
			throw new IllegalArgumentException("messages must not be empty");
		}
		if (model == null || model.isBlank()) {
			throw new IllegalArgumentException("model must not be blank");
		}
		if (!(temperature >= 0.0) || Double.isInfinite(temperature)) {
			throw new IllegalArgumentException("temperature must be zero or more and finite, was " + temperature);
		}
	}

}
