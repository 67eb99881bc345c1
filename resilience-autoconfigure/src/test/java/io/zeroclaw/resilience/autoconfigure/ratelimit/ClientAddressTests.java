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

	@ParameterizedTest
	@ValueSource(strings = { "unknown:1", "localhost:8080", "cafe:beef", ":", "::g", "2001:db8::1::2",
			"[2001:db8::1", "１::1", "2001:db8:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:1", "", "[]", "_gateway:1" })
	void textThatIsNotAnIpv6AddressShouldBeKeptAsItIs(String text) {
		assertThat(ClientAddress.key(text, 64)).isEqualTo(text);
	}

}
