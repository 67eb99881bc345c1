package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key of a client address: IPv4 whole, IPv6 by its prefix in one spelling, anything else as it is.
 */
class ClientAddressTests {

	@Test
	void ipv4AddressShouldBeItsOwnKey() {
		assertThat(ClientAddress.key("203.0.113.7", 64)).isEqualTo("203.0.113.7");
	}

	@Test
	void ipv6AddressesOfOneSubnetShouldShareTheSubnetsKey() {
		assertThat(ClientAddress.key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64)).isEqualTo("2001:db8:1:2:0:0:0:0/64");
		assertThat(ClientAddress.key("2001:db8:1:2::1", 64)).isEqualTo("2001:db8:1:2:0:0:0:0/64");
		assertThat(ClientAddress.key("2001:db8:1:3::1", 64)).isEqualTo("2001:db8:1:3:0:0:0:0/64");
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

	@Test
	void prefixShouldCutWithinAByte() {
		assertThat(ClientAddress.key("2001:db8:abcd:12ff::1", 60)).isEqualTo("2001:db8:abcd:12f0:0:0:0:0/60");
		assertThat(ClientAddress.key("2001:db8:abcd:12ff::1", 1)).isEqualTo("0:0:0:0:0:0:0:0/1");
		assertThat(ClientAddress.key("ffff:db8::1", 1)).isEqualTo("8000:0:0:0:0:0:0:0/1");
	}

	@Test
	void ipv4MappedAddressShouldBeTheIpv4Address() {
		assertThat(ClientAddress.key("::ffff:192.0.2.1", 64)).isEqualTo("192.0.2.1");
		assertThat(ClientAddress.key("[::ffff:c000:201]", 64)).isEqualTo("192.0.2.1");
	}

	@Test
	void ipv6AddressCarryingAnIpv4ClientShouldBeThatIpv4Client() {
		// NAT64's well-known prefix (an IPv6-only service reached by IPv4 users), IPv4-translated, IPv4-compatible
		assertThat(ClientAddress.key("64:ff9b::198.51.100.1", 64)).isEqualTo("198.51.100.1");
		assertThat(ClientAddress.key("64:FF9B::CB00:714D", 64)).isEqualTo("203.0.113.77");
		assertThat(ClientAddress.key("::ffff:0:198.51.100.1", 64)).isEqualTo("198.51.100.1");
		assertThat(ClientAddress.key("::198.51.100.1", 64)).isEqualTo("198.51.100.1");
		// not loopback or the unspecified address, and not a NAT64 prefix with more behind it
		assertThat(ClientAddress.key("::1", 64)).isEqualTo("0:0:0:0:0:0:0:0/64");
		assertThat(ClientAddress.key("64:ff9b:1::198.51.100.1", 64)).isEqualTo("64:ff9b:1:0:0:0:0:0/64");
	}

	@Test
	void portAProxyWroteAfterTheAddressShouldBeDropped() {
		assertThat(ClientAddress.key("203.0.113.9:51234", 64)).isEqualTo("203.0.113.9");
		// as Spring's ForwardedHeaderFilter hands it on
		assertThat(ClientAddress.key("[203.0.113.9:51234]", 64)).isEqualTo("203.0.113.9");
		assertThat(ClientAddress.key("[203.0.113.9]:51234", 64)).isEqualTo("203.0.113.9");
		assertThat(ClientAddress.key("[203.0.113.9]", 64)).isEqualTo("203.0.113.9");
		assertThat(ClientAddress.key("[2001:db8:9:1::a]:51234", 64)).isEqualTo("2001:db8:9:1:0:0:0:0/64");
		assertThat(ClientAddress.key("[::ffff:203.0.113.9]:1", 64)).isEqualTo("203.0.113.9");
		// not a port, or not an address before it: kept as written
		assertThat(ClientAddress.key("203.0.113.9:123456", 64)).isEqualTo("203.0.113.9:123456");
		assertThat(ClientAddress.key("203.0.113:80", 64)).isEqualTo("203.0.113:80");
		assertThat(ClientAddress.key("1234.0.113.9:80", 64)).isEqualTo("1234.0.113.9:80");
		assertThat(ClientAddress.key("[2001:db8::1]:x", 64)).isEqualTo("[2001:db8::1]:x");
		assertThat(ClientAddress.key("[2001:db8::1]x", 64)).isEqualTo("[2001:db8::1]x");
	}

	@ParameterizedTest
	@ValueSource(strings = { "unknown:1", "localhost:8080", "cafe:beef", ":", "::g", "2001:db8::1::2",
			"[2001:db8::1", "１::1", "2001:db8:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:1", "", "[]", "_gateway:1" })
	void textThatIsNotAnIpv6AddressShouldBeKeptAsItIs(String text) {
		assertThat(ClientAddress.key(text, 64)).isEqualTo(text);
	}

}
