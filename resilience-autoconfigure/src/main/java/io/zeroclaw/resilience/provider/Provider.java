package io.zeroclaw.resilience.provider;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * A large-language-model provider, the service-provider interface an application implements for each LLM API it
 * calls. Only {@link #chatWithSystem} is required; every other call has a default built on it.
 * <p>
 * With the circuit breaker enabled, every {@code Provider} bean is wrapped in a breaker named after the bean: the
 * calls that reach the upstream ({@code chatWithSystem}, {@code simpleChat}, {@code chatWithHistory}, {@code chat},
 * {@code streamChatWithSystem}, and {@code warmup} when implemented) go through it, while {@link #capabilities()} and
 * {@link #supportsStreaming()} do not. On a client with no bean behind its proxy (a Spring HTTP interface) the default
 * methods pass through, and the calls they make are guarded.
 */
public interface Provider {

	/**
	 * Asks the model one question.
	 * @param systemPrompt instructions for the model; {@code null} for none
	 * @param message the user's message
	 * @param model the model to ask
	 * @param temperature the sampling temperature
	 * @return the model's reply
	 */
	String chatWithSystem(@Nullable String systemPrompt, String message, String model, double temperature);

	/**
	 * Asks the model one question without instructions.
	 * @param message the user's message
	 * @param model the model to ask
	 * @param temperature the sampling temperature
	 * @return the model's reply
	 */
	default String simpleChat(String message, String model, double temperature) {
		return chatWithSystem(null, message, model, temperature);
	}

	/**
	 * Continues a conversation. The default sends the first system message as instructions and the last user
	 * message as the question (an empty one when the conversation holds no user message); a provider with a real
	 * multi-turn API overrides it.
	 * @param messages the conversation so far, oldest first
	 * @param model the model to ask
	 * @param temperature the sampling temperature
	 * @return the model's reply
	 */
	default String chatWithHistory(List<ChatMessage> messages, String model, double temperature) {
		Objects.requireNonNull(messages, "messages must not be null");
		String system = null;
		String lastUser = "";
		for (ChatMessage message : messages) {
			if (system == null && ChatMessage.SYSTEM.equals(message.role())) {
				system = message.content();
			}
			else if (ChatMessage.USER.equals(message.role())) {
				lastUser = message.content();
			}
		}
		return chatWithSystem(system, lastUser, model, temperature);
	}

	/**
	 * Continues a conversation with tools. The default answers with text only, through
	 * {@link #chatWithHistory}; a provider with {@link ProviderCapabilities#nativeToolCalling() native tool calling}
	 * overrides it.
	 * @param request the conversation, tools, model and temperature
	 * @return the model's text and tool calls
	 */
	default ChatResponse chat(ChatRequest request) {
		return ChatResponse.ofText(chatWithHistory(request.messages(), request.model(), request.temperature()));
	}

	/** Opens connections or loads what the first real call would otherwise wait for. The default does nothing. */
	default void warmup() {
	}

	/** @return what the provider's API can do; the default is text only */
	default ProviderCapabilities capabilities() {
		return ProviderCapabilities.TEXT_ONLY;
	}

	/** @return whether {@link #streamChatWithSystem} streams for real; the default is {@code false} */
	default boolean supportsStreaming() {
		return false;
	}

	/**
	 * Asks the model one question and streams the reply. The default, for providers that cannot stream, makes one
	 * {@link #chatWithSystem} call and returns its whole reply as one piece followed by the end. The returned stream
	 * must be closed (or consumed to the end) by the caller.
	 * @param systemPrompt instructions for the model; {@code null} for none
	 * @param message the user's message
	 * @param model the model to ask
	 * @param temperature the sampling temperature
	 * @return the pieces of the reply, the last one with {@link StreamChunk#last()} set
	 */
	default Stream<StreamChunk> streamChatWithSystem(@Nullable String systemPrompt, String message, String model,
			double temperature) {
		String reply = chatWithSystem(systemPrompt, message, model, temperature);
		return Stream.of(StreamChunk.of(reply), StreamChunk.end());
	}

}
