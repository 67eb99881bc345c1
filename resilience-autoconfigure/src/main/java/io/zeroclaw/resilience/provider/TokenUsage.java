package io.zeroclaw.resilience.provider;

/**
 * The tokens one exchange used.
 *
 * @param inputTokens tokens of the prompt; zero or more
 * @param outputTokens tokens of the reply; zero or more
 */
public record TokenUsage(long inputTokens, long outputTokens) {

	/** No tokens counted: a provider that does not report usage. */
	public static final TokenUsage NONE = new TokenUsage(0, 0);

	/**
	 * Checks the arguments.
	 * @throws IllegalArgumentException naming the field when one is negative
	 */
	public TokenUsage {
		if (inputTokens < 0) {
			throw new IllegalArgumentException("inputTokens must not be negative, was " + inputTokens);
		}
		if (outputTokens < 0) {
			throw new IllegalArgumentException("outputTokens must not be negative, was " + outputTokens);
		}
	}

	/** @return input and output tokens together, {@code Long.MAX_VALUE} should they add up to more */
	public long totalTokens() {
		long total = this.inputTokens + this.outputTokens;
		return (total < 0) ? Long.MAX_VALUE : total;
	}

}
