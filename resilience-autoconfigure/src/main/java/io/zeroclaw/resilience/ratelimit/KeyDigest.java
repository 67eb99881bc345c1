package io.zeroclaw.resilience.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The digest that stands for a client key wherever the key itself should not be kept: keys too long to store as they
 * are, and values that may be secrets, such as API keys sent in a header. It is {@value #PREFIX} followed by the
 * unpadded Base64url SHA-256 of the key's UTF-8 bytes: 50 characters whatever the key. The stores also digest any key
 * that already begins with {@value #PREFIX}, so that no key can be spelled to name another key's digest.
 */
public final class KeyDigest {

	/** How every digest begins. */
	public static final String PREFIX = "sha256:";

	/** Never used itself, only cloned: a clone skips the provider lookup of {@code getInstance}. */
	private static final MessageDigest PROTOTYPE = newDigest();

	private KeyDigest() {
	}

	/**
	 * @param key any client key
	 * @return its digest, {@value #PREFIX} and 43 Base64url characters
	 */
	public static String of(String key) {
		byte[] hash = digest().digest(key.getBytes(StandardCharsets.UTF_8));
		return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
	}

	private static MessageDigest digest() {
		try {
			return (MessageDigest) PROTOTYPE.clone();
		}
		catch (CloneNotSupportedException ex) {
			return newDigest();
		}
	}

	private static MessageDigest newDigest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required of every Java platform", ex);
		}
	}

	/**
	 * @param key a client key
	 * @param maxLength the longest key a store keeps as it is
	 * @return whether a store must keep the key's digest instead of the key: it is longer than {@code maxLength}, or
	 * it begins with {@value #PREFIX}
	 */
	public static boolean mustDigest(String key, int maxLength) {
		return key.length() > maxLength || key.startsWith(PREFIX);
	}

}
