package io.zeroclaw.resilience.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The digest that stands for a client key wherever the key itself should not be kept: keys too long to store as they
 * are, and values that may be secrets, such as API keys sent in a header. It is {@value #PREFIX} followed by the
 * unpadded Base64url SHA-256 of the key's UTF-8 bytes (of a marker byte and its UTF-16 code units, for a key with a lone
 * surrogate, which UTF-8 cannot encode): 50 characters whatever the key. The stores also digest any key
 * that already begins with {@value #PREFIX}, so that no key can be spelled to name another key's digest.
 */
public final class KeyDigest {

	/** How every digest begins. */
	public static final String PREFIX = "sha256:";

	/** Marks the digest of a key that is not well-formed UTF-16; {@code 0xFF} is no byte of UTF-8. */
	private static final byte MALFORMED = (byte) 0xFF;

	/** Never used itself, only cloned: a clone skips the provider lookup of {@code getInstance}. */
	private static final MessageDigest PROTOTYPE = newDigest();

	private KeyDigest() {
	}

	/**
	 * @param key any client key
	 * @return its digest, {@value #PREFIX} and 43 Base64url characters
	 */
	public static String of(String key) {
		MessageDigest digest = digest();
		if (isWellFormed(key)) {
			digest.update(key.getBytes(StandardCharsets.UTF_8));
		}
		else {
			// UTF-8 writes every lone surrogate as '?', which would make such keys one: digest their UTF-16 code
			// units instead, after a byte that never occurs in UTF-8, so they can be no well-formed key's either
			// (by hand: every charset's encoder writes a lone surrogate as a replacement too)
			byte[] units = new byte[1 + 2 * key.length()];
			units[0] = MALFORMED;
			for (int i = 0; i < key.length(); i++) {
				units[1 + 2 * i] = (byte) (key.charAt(i) >> 8);
				units[2 + 2 * i] = (byte) key.charAt(i);
			}
			digest.update(units);
		}
		return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(digest.digest());
	}

	/**
	 * @param key a client key
	 * @return whether the key is well-formed UTF-16, without a lone surrogate: whether UTF-8 can encode it
	 */
	static boolean isWellFormed(String key) {
		for (int i = 0; i < key.length(); i++) {
			char c = key.charAt(i);
			if (Character.isSurrogate(c)) {
				if (!Character.isHighSurrogate(c) || i + 1 == key.length()
						|| !Character.isLowSurrogate(key.charAt(i + 1))) {
					return false;
				}
				i++;
			}
		}
		return true;
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

	/**
	 * Whether a store that keeps keys as UTF-8 bytes must keep the key's digest instead: as
	 * {@link #mustDigest(String, int)}, and also when the key holds a lone surrogate, which UTF-8 cannot encode (it
	 * would be written as {@code ?}, the same bytes as another key's).
	 * @param key a client key
	 * @param maxLength the longest key a store keeps as it is
	 * @return whether the store must keep the key's digest
	 */
	public static boolean mustDigestAsUtf8(String key, int maxLength) {
		return mustDigest(key, maxLength) || !isWellFormed(key);
	}

}
