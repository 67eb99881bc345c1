package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import org.jspecify.annotations.Nullable;

/**
 * The rate-limit key of a client address. An IPv4 address is a client of its own, as written. An IPv6 address is
 * keyed by its network prefix ({@code ipv6-prefix-length} bits, 64 by default), because one subscriber, host or
 * virtual machine is commonly given a whole {@code /64}: keyed by the full address, each of its 2<sup>64</sup>
 * addresses would be a fresh bucket, and a client would get round any limit by changing its interface identifier,
 * which privacy extensions do on their own. The key is the prefix in one spelling per network (zone and brackets
 * dropped, the host bits zeroed, Java's text form of the result) followed by {@code /} and the length, so that the
 * spellings servers give one address ({@code ::1}, {@code [::1]}, {@code 0:0:0:0:0:0:0:1}) are one client too. An
 * IPv4-mapped IPv6 address ({@code ::ffff:192.0.2.1}) is the IPv4 address it maps.
 * <p>
 * Text that is not an IP address (what a forwarded header can bring) is kept as it is: it is still a key, just not one
 * that can be grouped. Parsing never resolves a name: only text of hexadecimal digits, colons and dots, handed to the
 * JDK between brackets, which it reads as an IPv6 literal or refuses.
 */
final class ClientAddress {

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
		if (address.indexOf(':') < 0) {
			return address;
		}
		byte[] bytes = ipv6(address);
		if (bytes == null) {
			return address;
		}
		InetAddress parsed;
		try {
			parsed = InetAddress.getByAddress(bytes);
		}
		catch (UnknownHostException ex) {
			return address;
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
			return address;
		}
	}

	/**
	 * @return the address's 16 bytes (an IPv4-mapped one's 4), or {@code null} when it is not an IPv6 literal
	 */
	private static byte @Nullable [] ipv6(String address) {
		int start = 0;
		int end = address.length();
		if (end > 1 && address.charAt(0) == '[' && address.charAt(end - 1) == ']') {
			start = 1;
			end--;
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
