package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitHttp2IntegrationTests.Response;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's recipe for uploads on Tomcat: by default Tomcat answers {@code Expect: 100-continue} before any filter
 * runs, so a client whose upload is then refused has sent its whole body anyway; with the connector's
 * {@code continueResponseTiming} at {@code onRead} the {@code 100 Continue} waits until the application reads the
 * body, so an allowed upload still gets it and a refused one goes out without it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { RateLimitTestApplication.class, RateLimitExpectContinueIntegrationTests.OnRead.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0" })
class RateLimitExpectContinueIntegrationTests {

	private static final String UPLOAD = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
			+ "Content-Length: 10\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";

	@LocalServerPort
	private int port;

	@Test
	void uploadThatExpectsAContinueShouldGetOneWhenAllowedAndNoneWhenRefused() throws Exception {
		try (Socket socket = socket()) {
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			out.write(ascii(UPLOAD));
			out.flush();
			assertThat(interimStatus(in)).isEqualTo(100);
			out.write(ascii("0123456789"));
			out.flush();
			Response allowed = Response.read(in, false);
			assertThat(allowed.status).isEqualTo(200);
			assertThat(allowed.body).isEqualTo("read 10");
		}
		try (Socket socket = socket()) {
			socket.getOutputStream().write(ascii(UPLOAD));
			Response refused = Response.read(socket.getInputStream(), false);
			assertThat(refused.status).isEqualTo(429);
			assertThat(refused.interim).isEmpty();
		}
	}

	/** Reads the interim response the client waits for before it sends the body. */
	private static int interimStatus(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (!head.toString().endsWith("\r\n\r\n")) {
			int c = in.read();
			if (c < 0) {
				throw new IOException("connection closed after: " + head);
			}
			head.append((char) c);
		}
		return Integer.parseInt(head.toString().split(" ")[1]);
	}

	private Socket socket() throws IOException {
		Socket socket = new Socket("localhost", this.port);
		socket.setSoTimeout(10_000);
		return socket;
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

	@Configuration(proxyBeanMethods = false)
	@Import(OnRead.UploadController.class)
	static class OnRead {

		@Bean
		TomcatConnectorCustomizer continueWhenTheBodyIsRead() {
			return (connector) -> connector.setProperty("continueResponseTiming", "onRead");
		}

		@RestController
		static class UploadController {

			@PostMapping("/upload")
			String upload(@RequestBody String body) {
				return "read " + body.length();
			}

		}

	}

}
