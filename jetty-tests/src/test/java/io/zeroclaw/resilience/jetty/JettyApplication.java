package io.zeroclaw.resilience.jetty;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimiterFactory;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring MVC application on Jetty with the URI compliance relaxed, as Jetty's documentation shows for ids that
 * hold {@code %2F}, {@code //} or {@code %25}; Jetty's servlet handler is left at its default, which does not decode
 * such ambiguous URIs and so will not tell their servlet path. On a frozen clock.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class JettyApplication {

	@Bean
	RateLimiterFactory frozenClockRateLimiterFactory() {
		return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
	}

	@Bean
	JettyServerCustomizer unsafeUriCompliance() {
		return (server) -> {
			for (Connector connector : server.getConnectors()) {
				connector.getConnectionFactory(HttpConnectionFactory.class)
					.getHttpConfiguration()
					.setUriCompliance(UriCompliance.UNSAFE);
			}
		};
	}

	/**
	 * A {@code GET} of a request target exactly as written, on a socket of its own (an HTTP client would resolve
	 * or re-encode some of these targets).
	 * @return the status line, the headers and the body
	 */
	static String get(int port, String target, String client) throws IOException {
		try (Socket socket = new Socket("localhost", port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nX-Client: " + client
					+ "\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

	@RestController
	static class Open {

		@GetMapping("/open/**")
		String open(HttpServletRequest request) {
			return "open " + request.getRequestURI();
		}

		@GetMapping("/webhook")
		String webhook() {
			return "webhook";
		}

	}

}
