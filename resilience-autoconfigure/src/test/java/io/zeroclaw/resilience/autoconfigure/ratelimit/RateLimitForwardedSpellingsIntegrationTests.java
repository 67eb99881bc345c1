package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two spellings of one client address, forwarded by the trusted proxy on 127.0.0.1 to Tomcat's RemoteIpValve
 * ({@code server.forward-headers-strategy=native}): one client, one request a minute.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, classes = RateLimitTestApplication.class,
		properties = { "server.forward-headers-strategy=native", "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0" })
class RateLimitForwardedSpellingsIntegrationTests {

	@LocalServerPort
	private int port;

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "::ffff:10.9.0.1|10.9.0.1", "2001:DB8:1::1|2001:db8:1::1",
			"fe80::2%eth0|fe80::2", "2001:db8:2::1|[2001:db8:2::1]:4444", "10.9.0.2|10.9.0.2:4444",
			"203.0.113.7|'1.1.1.1, 2.2.2.2, 203.0.113.7'", "::ffff:203.0.113.8|'0:0:0:0:0:FFFF:CB00:7108'" })
	void twoSpellingsOfOneClientShouldShareABucket(String first, String second) throws Exception {
		assertThat(get(first)).startsWith("HTTP/1.1 200");
		assertThat(get(second)).startsWith("HTTP/1.1 429");
	}

	private String get(String forwardedFor) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.getOutputStream().write(("GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " + forwardedFor
					+ "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			socket.getInputStream().transferTo(out);
			return out.toString(StandardCharsets.ISO_8859_1);
		}
	}

}
