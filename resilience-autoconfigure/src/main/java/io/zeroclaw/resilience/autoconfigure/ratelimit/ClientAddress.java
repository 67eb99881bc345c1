package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * The rate-limit key of a client address. An IPv4 address is a client of its own, as written. An IPv6 address is
 * keyed by its network prefix ({@code ipv6-prefix-length} bits, 64 by default), because one subscriber, host or
 * virtual machine is commonly given a whole {@code /64}: keyed by the full address, each of its 2<sup>64</sup>
 * addresses would be a fresh bucket, and a client would get round any limit by changing its interface identifier,
 * which privacy extensions do on their own. The key is the prefix in one spelling per network (zone and brackets
 * dropped, the host bits zeroed, Java's text form of the result) followed by {@code /} and the length, so that the
 * spellings servers give one address ({@code ::1}, {@code [::1]}, {@code 0:0:0:0:0:0:0:1}) are one client too. An
 * IPv6 address that carries an IPv4 client (mapped {@code ::ffff:192.0.2.1}, NAT64 {@code 64:ff9b::192.0.2.1}) is
 * that IPv4 address. A port that a proxy wrote after the address ({@code 192.0.2.1:51234},
 * {@code [2001:db8::1]:51234}) is dropped: it changes with every connection.
 * <p>
 * Text that is not an IP address (what a forwarded header can bring) is still a key, just not one that can be grouped:
 * kept as it is, or behind {@value #TEXT_PREFIX} when it holds a colon, so that no forwarded text can spell a key of
 * another kind ({@code principal:alice}, {@code header:sha256:...}, a resolver's {@code tenant:acme}) and spend that
 * client's tokens. (Tomcat's {@code RemoteIpValve} passes on what a trusted proxy forwarded, as it was written.) Parsing never resolves a name: only text of hexadecimal digits, colons and dots, handed to the
 * JDK between brackets, which it reads as an IPv6 literal or refuses.
 */
final class ClientAddress {

	/** Put before forwarded text with a colon that is no IP address: keys of the other kinds all hold a colon. */
	static final String TEXT_PREFIX = "address:";

	/** The longest text of an IPv6 address, its last 32 bits written as an IPv4 address. */
	private static final int MAX_IPV6_TEXT = 45;

	private ClientAddress() {
	}

	/**
	 * @param address the client address, as {@code HttpServletRequest.getRemoteAddr()} gives it
	 * @param ipv6PrefixLength the bits of an IPv6 address that name a client, 1 to 128
	 * @return the client's key
	 */
	static String key(String address, int ipv6PrefixLength) {
		if (address.indexOf(':') < 0 && (address.isEmpty() || address.charAt(0) != '[')) {
			return address;
		}
		// Spring's ForwardedHeaderFilter brackets any X-Forwarded-For value with a colon, an IPv4 one with a port too;
		// a proxy may bracket an address and add a port after it
		String inner = address;
		int close = address.indexOf(']');
		if (address.length() > 2 && address.charAt(0) == '[' && close > 0
				&& (close == address.length() - 1 || (address.charAt(close + 1) == ':' && isPort(address, close + 2)))) {
			inner = address.substring(1, close);
		}
		int colon = inner.indexOf(':');
		if (colon < 0 && isDottedQuad(inner, inner.length())) {
			return inner;
		}
		if (colon > 0 && colon == inner.lastIndexOf(':') && isPort(inner, colon + 1) && isDottedQuad(inner, colon)) {
			// an IPv4 address with the client's port, as some proxies write X-Forwarded-For: a new port each connection
			return inner.substring(0, colon);
		}
		byte[] bytes = ipv6(address);
		if (bytes == null) {
			return notAnAddress(address);
		}
		if (bytes.length == 16 && embedsIpv4(bytes)) {
			bytes = Arrays.copyOfRange(bytes, 12, 16);
		}
		InetAddress parsed;
		try {
			parsed = InetAddress.getByAddress(bytes);
		}
		catch (UnknownHostException ex) {
			return notAnAddress(address);
		}
		if (parsed instanceof Inet4Address) {
			return parsed.getHostAddress();
		}
		for (int i = 0; i < bytes.length; i++) {
			int bits = ipv6PrefixLength - 8 * i;
			if (bits <= 0) {
				bytes[i] = 0;
			}
			else if (bits < 8) {
				bytes[i] &= (byte) (0xFF << (8 - bits));
			}
		}
		try {
			return InetAddress.getByAddress(bytes).getHostAddress() + "/" + ipv6PrefixLength;
		}
		catch (UnknownHostException ex) {
			return notAnAddress(address);
		}
	}

	/**
	 * Whether an IPv6 address carries an IPv4 client in its last 32 bits, where its prefix says nothing about who the
	 * client is: the well-known NAT64 prefix {@code 64:ff9b::/96} (an IPv6-only service reached by IPv4 users through
	 * a translator), IPv4-translated {@code ::ffff:0:0:0/96} and IPv4-compatible {@code ::/96} addresses (other than
	 * {@code ::} and {@code ::1}). Keyed by their prefix, every IPv4 user behind them would be one client.
	 */
	private static boolean embedsIpv4(byte[] bytes) {
		boolean nat64 = bytes[0] == 0x00 && bytes[1] == 0x64 && (bytes[2] & 0xFF) == 0xFF && (bytes[3] & 0xFF) == 0x9B;
		for (int i = nat64 ? 4 : 0; i < 8; i++) {
			if (bytes[i] != 0) {
				return false;
			}
		}
		if (nat64) {
			return bytes[8] == 0 && bytes[9] == 0 && bytes[10] == 0 && bytes[11] == 0;
		}
		boolean translated = (bytes[8] & 0xFF) == 0xFF && (bytes[9] & 0xFF) == 0xFF && bytes[10] == 0 && bytes[11] == 0;
		boolean compatible = bytes[8] == 0 && bytes[9] == 0 && bytes[10] == 0 && bytes[11] == 0
				&& (bytes[12] != 0 || bytes[13] != 0 || bytes[14] != 0 || (bytes[15] & 0xFE) != 0);
		return translated || compatible;
	}

	/** Whether the text from {@code start} to its end is a port: one to five digits. */
	private static String notAnAddress(String text) {
		return (text.indexOf(':') >= 0) ? TEXT_PREFIX + text : text;
	}

	private static boolean isPort(String text, int start) {
		int length = text.length() - start;
		if (length < 1 || length > 5) {
			return false;
		}
		for (int i = start; i < text.length(); i++) {
			if (text.charAt(i) < '0' || text.charAt(i) > '9') {
				return false;
			}
		}
		return true;
	}

	/** Whether the text up to {@code end} is four dot-separated groups of one to three digits. */
	private static boolean isDottedQuad(String text, int end) {
		int dots = 0;
		int digits = 0;
		for (int i = 0; i < end; i++) {
			char c = text.charAt(i);
			if (c == '.') {
				if (digits == 0) {
					return false;
				}
				dots++;
				digits = 0;
			}
			else if (c >= '0' && c <= '9' && digits < 3) {
				digits++;
			}
			else {
				return false;
			}
		}
		return dots == 3 && digits > 0;
	}

	/**
	 * @return the address's 16 bytes (an IPv4-mapped one's 4), or {@code null} when it is not an IPv6 literal
	 */
	private static byte @Nullable [] ipv6(String address) {
		int start = 0;
		int end = address.length();
		if (end > 1 && address.charAt(0) == '[') {
			// [address], or [address]:port as a proxy may write it
			int close = address.indexOf(']');
			if (close < 0 || (close != end - 1 && !(address.charAt(close + 1) == ':' && isPort(address, close + 2)))) {
				return null;
			}
			start = 1;
			end = close;
		}
		int zone = address.indexOf('%', start);
		if (zone >= 0 && zone < end) {
			end = zone;
		}
		if (end - start < 2 || end - start > MAX_IPV6_TEXT) {
			return null;
		}
		for (int i = start; i < end; i++) {
			char c = address.charAt(i);
			boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
			if (!hex && c != ':' && c != '.') {
				return null;
			}
		}
		try {
			// between brackets the JDK reads an IPv6 literal or refuses it; it never looks a name up
			return InetAddress.getByName("[" + address.substring(start, end) + "]").getAddress();
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

}
