package io.zeroclaw.resilience.provider;

import java.util.List;
import java.util.Objects;

/**
 * What the model answered: text, tool calls, or both.
 *
 * @param text the reply's text; never {@code null}, empty when the model only called tools
 * @param toolCalls the tools the model asked to call; possibly empty, never {@code null}
 * @param usage the tokens the exchange used; {@link TokenUsage#NONE} when the provider does not say
 */
public record ChatResponse(String text, List<ToolCall> toolCalls, TokenUsage usage) {

	/**
	 * Checks the arguments and copies the list.
	 * @throws NullPointerException when a component or a tool call is {@code null}
	 */
	public ChatResponse {
		Objects.requireNonNull(text, "text must not be null");
		toolCalls = List.copyOf(Objects.requireNonNull(toolCalls, "toolCalls must not be null"));
		Objects.requireNonNull(usage, "usage must not be null");
	}

	/**
	 * @param text the reply's text
	 * @return a text-only response without usage
	 */
	public static ChatResponse ofText(String text) {
		return new ChatResponse(text, List.of(), TokenUsage.NONE);
	}

	/** @return whether the model asked for at least one tool call */
	public boolean hasToolCalls() {
		return !this.toolCalls.isEmpty();
	}

}
