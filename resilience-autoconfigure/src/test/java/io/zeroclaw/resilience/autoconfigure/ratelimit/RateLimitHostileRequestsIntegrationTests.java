package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Odd requests on a real Tomcat: one request a minute per client, keyed by the X-Client header, falling back to the
 * address. A second connector listens on a Unix-domain socket, as behind a local proxy (Tomcat gives such a request
 * a loopback address, so it shares the address's bucket with the requests from this host).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { RateLimitTestApplication.class, RateLimitHostileRequestsIntegrationTests.UnixSocket.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client" })
class RateLimitHostileRequestsIntegrationTests {

	static final Path SOCKET = Path.of(System.getProperty("java.io.tmpdir"),
			"zeroclaw-rate-limit-" + ProcessHandle.current().pid() + ".sock");

	@LocalServerPort
	private int port;

	@Test
	void clientWithTheKeyHeaderOnAUnixDomainSocketShouldBeLimited() throws Exception {
		String request = request("GET", "/uds", "X-Client: k");
		assertThat(unixSocket(request)).startsWith("HTTP/1.1 200");
		assertThat(unixSocket(request)).startsWith("HTTP/1.1 429");
	}

	@Test
	void lowerCaseAndUnknownMethodsShouldBeLimited() throws Exception {
		assertThat(tcp(request("get", "/m", "X-Client: lower"))).startsWith("HTTP/1.1 200");
		assertThat(tcp(request("GET", "/m", "X-Client: lower"))).startsWith("HTTP/1.1 429");
		assertThat(tcp(request("PROPFIND", "/m", "X-Client: lower"))).startsWith("HTTP/1.1 429");
	}

	@Test
	void manyValuesOfTheKeyHeaderShouldBeOneClient() throws Exception {
		assertThat(tcp(request("GET", "/v", "X-Client: a", "X-Client: b"))).startsWith("HTTP/1.1 200");
		assertThat(tcp(request("GET", "/v", "X-Client: a", "X-Client: c"))).startsWith("HTTP/1.1 429");
	}

	@Test
	void whitespaceKeyHeaderShouldFallBackToTheAddress() throws Exception {
		assertThat(tcp(request("GET", "/w", "X-Client:    \t "))).startsWith("HTTP/1.1 200");
		assertThat(tcp(request("GET", "/w"))).startsWith("HTTP/1.1 429");
	}

	@Test
	void absoluteFormTargetShouldBeLimited() throws Exception {
		assertThat(tcp(request("GET", "http://x/abs", "X-Client: abs"))).startsWith("HTTP/1.1 200");
		assertThat(tcp(request("GET", "http://x/abs", "X-Client: abs"))).startsWith("HTTP/1.1 429");
	}

	private static String request(String method, String target, String... headers) {
		StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: x\r\n");
		for (String header : headers) {
			request.append(header).append("\r\n");
		}
		return request.append("Connection: close\r\n\r\n").toString();
	}

	private String tcp(String request) throws IOException {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
			socket.getOutputStream().flush();
			return read(socket.getInputStream());
		}
	}

	private static String unixSocket(String request) throws IOException {
		try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			channel.connect(UnixDomainSocketAddress.of(SOCKET));
			channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
			return read(Channels.newInputStream(channel));
		}
	}

	private static String read(InputStream in) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		in.transferTo(out);
		return out.toString(StandardCharsets.ISO_8859_1);
	}

	@Configuration(proxyBeanMethods = false)
	static class UnixSocket {

		@Bean
		WebServerFactoryCustomizer<TomcatServletWebServerFactory> unixSocketConnector() throws IOException {
			Files.deleteIfExists(SOCKET);
			return (factory) -> {
				Connector connector = new Connector("HTTP/1.1");
				connector.setProperty("unixDomainSocketPath", SOCKET.toString());
				factory.addAdditionalConnectors(connector);
			};
		}

	}

}
