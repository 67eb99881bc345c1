package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request that reaches the handler of a limited path is charged to that path's policy, however its target is
 * spelled: path parameters, dot segments, doubled and encoded slashes, encoded letters, absolute form. A spelling may
 * also be refused (by the server, or by the filter's 400 when the policies as spelled and as served differ); what must
 * never happen is the handler answering a request that another policy, or none, was charged for. The filter's two
 * readings of a path and its refusal when they differ stand between a spelling and a bypass, so this fails only when
 * a reading and the refusal both go wrong, or when the server or Spring MVC starts to read a spelling differently.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, classes = RateLimitPathSpellingIntegrationTests.App.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=100",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.limited.paths=/limited/**",
				"zeroclaw.resilience.rate-limit.policies.limited.key=header",
				"zeroclaw.resilience.rate-limit.policies.limited.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.limited.requests-per-window=5",
				"zeroclaw.resilience.rate-limit.policies.limited.burst=0" })
class RateLimitPathSpellingIntegrationTests {

	@LocalServerPort
	private int port;

	@ParameterizedTest
	@ValueSource(strings = { "/limited/a", "/limited/a?q=1", "/limited/a#frag", "/limited/a?q=1#f", "/limited;p=1/a",
			"/limited/a;p=1", "/;p=1/limited/a", "//limited/a", "/limited//a", "/./limited/a", "/x/../limited/a",
			"/limited/./a", "/%6cimited/a", "/limited/%61", "/limited%2Fa", "/limited/a%2F", "http://x/limited/a",
			"http://x//limited/a", "/limited/a/", "/limited/a%3Bb", "/limited/%2e%2e/limited/a", "/.;/limited/a",
			"/limited/..;/limited/a", "/%2e/limited/a", "/limited%252Fa", "/limited/a%20", "/limited/a%09",
			"/x/..%2Flimited/a", "/x/%2e%2e/limited/a", "/limited/a?%2F", "*", "/limited\\a", "/limited%5Ca",
			"/x;/../limited/a", "/x/..;p/limited/a", "/limited/a/.", "/limited/a/..", "/limited;/a" })
	void requestReachingTheLimitedHandlerShouldBeChargedToItsPolicy(String target) throws Exception {
		String response = get(target, "k" + Integer.toHexString(target.hashCode()));
		String rateLimit = header(response, "RateLimit");
		String body = response.substring(response.indexOf("\r\n\r\n") + 4);
		if (target.equals("/limited/a")) {
			assertThat(body).as("the plain spelling reaches the handler").contains("LIMITED-HANDLER");
		}
		if (body.contains("LIMITED-HANDLER")) {
			assertThat(rateLimit).as(target).startsWith("\"limited\"");
		}
	}

	private static String header(String response, String name) {
		for (String line : response.substring(0, response.indexOf("\r\n\r\n")).split("\r\n")) {
			if (line.toLowerCase().startsWith(name.toLowerCase() + ":")) {
				return line.substring(name.length() + 1).trim();
			}
		}
		return null;
	}

	private String get(String target, String client) throws IOException {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Client: " + client
					+ "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	@Import(App.Handlers.class)
	static class App {

		@Bean
		RateLimiterFactory frozenClockRateLimiterFactory() {
			return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
		}

		@RestController
		static class Handlers {

			@GetMapping("/limited/{x}")
			String limited(@PathVariable String x) {
				return "LIMITED-HANDLER " + x;
			}

			@RequestMapping("/**")
			String other() {
				return "other";
			}

		}

	}

}
