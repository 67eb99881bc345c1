package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key of a client address: IPv4 whole, IPv6 by its prefix in one spelling, other text as it is, behind a prefix
 * when it holds a colon as every key of another kind does.
 */
class ClientAddressTests {

	@ParameterizedTest(name = "{0} at /{1} is {2}")
	@CsvSource(delimiter = '|', textBlock = """
			# an IPv4 address is its own key
			203.0.113.7                      | 64  | 203.0.113.7
			# the addresses of one IPv6 subnet share its key
			2001:db8:1:2:aaaa:bbbb:cccc:dddd | 64  | 2001:db8:1:2:0:0:0:0/64
			2001:db8:1:2::1                  | 64  | 2001:db8:1:2:0:0:0:0/64
			2001:db8:1:3::1                  | 64  | 2001:db8:1:3:0:0:0:0/64
			# a prefix may cut within a byte
			2001:db8:abcd:12ff::1            | 60  | 2001:db8:abcd:12f0:0:0:0:0/60
			2001:db8:abcd:12ff::1            | 1   | 0:0:0:0:0:0:0:0/1
			ffff:db8::1                      | 1   | 8000:0:0:0:0:0:0:0/1
			# an IPv6 address carrying an IPv4 client is that client: mapped, NAT64's well-known prefix (an IPv6-only
			# service reached by IPv4 users), IPv4-translated, IPv4-compatible
			::ffff:192.0.2.1                 | 64  | 192.0.2.1
			[::ffff:c000:201]                | 64  | 192.0.2.1
			64:ff9b::198.51.100.1            | 64  | 198.51.100.1
			64:FF9B::CB00:714D               | 64  | 203.0.113.77
			::ffff:0:198.51.100.1            | 64  | 198.51.100.1
			::198.51.100.1                   | 64  | 198.51.100.1
			# not loopback or the unspecified address, and not a NAT64 prefix with more behind it
			::1                              | 64  | 0:0:0:0:0:0:0:0/64
			64:ff9b:1::198.51.100.1          | 64  | 64:ff9b:1:0:0:0:0:0/64
			64:ff9b::1:0:c633:6401           | 64  | 64:ff9b:0:0:0:0:0:0/64
			# a port a proxy wrote after the address is dropped, also as Spring's ForwardedHeaderFilter hands it on
			203.0.113.9:51234                | 64  | 203.0.113.9
			[203.0.113.9:51234]              | 64  | 203.0.113.9
			[203.0.113.9]:51234              | 64  | 203.0.113.9
			[203.0.113.9]                    | 64  | 203.0.113.9
			[2001:db8:9:1::a]:51234          | 64  | 2001:db8:9:1:0:0:0:0/64
			[::ffff:203.0.113.9]:1           | 64  | 203.0.113.9
			# any port, with any digit; an address in capitals, and in its longest spelling
			203.0.113.9:50990                | 64  | 203.0.113.9
			2001:DB8:ABCD:EF01::1            | 64  | 2001:db8:abcd:ef01:0:0:0:0/64
			0000:0000:0000:0000:0000:ffff:192.168.100.200     | 64 | 192.168.100.200
			[0000:0000:0000:0000:0000:ffff:192.168.100.200]:8 | 64 | 192.168.100.200
			::                               | 64  | 0:0:0:0:0:0:0:0/64
			# not a port, or not an address before it: kept as written, behind a prefix (it holds a colon)
			203.0.113.9:123456               | 64  | address:203.0.113.9:123456
			203.0.113:80                     | 64  | address:203.0.113:80
			1234.0.113.9:80                  | 64  | address:1234.0.113.9:80
			203.0..9:80                      | 64  | address:203.0..9:80
			203.0.113.:80                    | 64  | address:203.0.113.:80
			[2001:db8::1]:x                  | 64  | address:[2001:db8::1]:x
			[2001:db8::1]x                   | 64  | address:[2001:db8::1]x
			""")
	void addressShouldBeKeyedAsItsClient(String address, int prefixLength, String key) {
		assertThat(ClientAddress.key(address, prefixLength)).isEqualTo(key);
	}

	@Test
	void serversSpellingsOfOneAddressShouldBeOneKey() {
		// Tomcat writes the full form, Jetty may bracket it, a link-local address carries its zone
		assertThat(ClientAddress.key("0:0:0:0:0:0:0:1", 128)).isEqualTo("0:0:0:0:0:0:0:1/128")
			.isEqualTo(ClientAddress.key("::1", 128))
			.isEqualTo(ClientAddress.key("[::1]", 128))
			.isEqualTo(ClientAddress.key("0:0:0:0:0:0:0:1%0", 128));
		assertThat(ClientAddress.key("FE80::1%eth0", 64)).isEqualTo(ClientAddress.key("[fe80::2%2]", 64))
			.isEqualTo("fe80:0:0:0:0:0:0:0/64");
	}

	@ParameterizedTest
	@ValueSource(strings = { "unknown:1", "localhost:8080", "cafe:beef", ":", "::g", "2001:db8::1::2",
			"[2001:db8::1", "１::1", "2001:db8:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:1", "_gateway:1",
			"principal:alice", "header:sha256:abc", "address:x" })
	void textWithAColonThatIsNotAnAddressShouldBeKeptBehindItsPrefix(String text) {
		// keys of the other kinds all hold a colon: forwarded text must not spell one
		assertThat(ClientAddress.key(text, 64)).isEqualTo("address:" + text);
	}

	@ParameterizedTest
	@ValueSource(strings = { "unknown", "localhost", "", "[]", "[alice]" })
	void textWithoutAColonThatIsNotAnAddressShouldBeKeptAsItIs(String text) {
		assertThat(ClientAddress.key(text, 64)).isEqualTo(text);
	}

}
