package io.zeroclaw.resilience.provider;

/**
 * What a provider's API can do beyond plain text chat.
 *
 * @param nativeToolCalling whether the API takes tool specifications and returns structured tool calls
 * @param vision whether the API accepts images in messages
 */
public record ProviderCapabilities(boolean nativeToolCalling, boolean vision) {

	/** Plain text chat only. */
	public static final ProviderCapabilities TEXT_ONLY = new ProviderCapabilities(false, false);

}
