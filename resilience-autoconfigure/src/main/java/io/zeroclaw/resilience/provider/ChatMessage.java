package io.zeroclaw.resilience.provider;

import java.util.Objects;

/**
 * One message of a conversation.
 *
 * @param role who speaks: {@value #SYSTEM}, {@value #USER}, {@value #ASSISTANT} or {@value #TOOL} (other roles are
 * passed through to providers that know them); not blank
 * @param content what is said; never {@code null}, possibly empty
 */
public record ChatMessage(String role, String content) {

	/** The role of instructions to the model. */
	public static final String SYSTEM = "system";

	/** The role of the person talking to the model. */
	public static final String USER = "user";

	/** The role of the model's own replies. */
	public static final String ASSISTANT = "assistant";

	/** The role of a tool's result fed back to the model. */
	public static final String TOOL = "tool";

	/**
	 * Checks the arguments.
	 * @throws IllegalArgumentException when role is blank
	 * @throws NullPointerException when content is {@code null}
	 */
	public ChatMessage {
		if (role == null || role.isBlank()) {
			throw new IllegalArgumentException("role must not be blank");
		}
		Objects.requireNonNull(content, "content must not be null");
	}

	/**
	 * @param content the instructions
	 * @return a system message
	 */
	public static ChatMessage system(String content) {
		return new ChatMessage(SYSTEM, content);
	}

	/**
	 * @param content what the user says
	 * @return a user message
	 */
	public static ChatMessage user(String content) {
		return new ChatMessage(USER, content);
	}

	/**
	 * @param content what the model said
	 * @return an assistant message
	 */
	public static ChatMessage assistant(String content) {
		return new ChatMessage(ASSISTANT, content);
	}

}
