package io.zeroclaw.resilience.provider;

import java.util.Objects;

/**
 * A piece of a streamed reply.
 *
 * @param delta the text added by this piece; never {@code null}, possibly empty
 * @param last whether this is the final piece of the reply
 */
public record StreamChunk(String delta, boolean last) {

	/**
	 * Checks the arguments.
	 * @throws NullPointerException when delta is {@code null}
	 */
	public StreamChunk {
		Objects.requireNonNull(delta, "delta must not be null");
	}

	/**
	 * @param text the text to add
	 * @return a piece that is not the last
	 */
	public static StreamChunk of(String text) {
		return new StreamChunk(text, false);
	}

	/** @return the empty final piece that ends a reply */
	public static StreamChunk end() {
		return new StreamChunk("", true);
	}

}
