package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.UrlHandlerFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring's {@code UrlHandlerFilter} serving {@code /api/chat/} as {@code /api/chat}, ordered ahead of the rate-limit
 * filter as the README says: a strict policy on {@code /api/chat} is not dodged by the slash. (As a plain
 * {@code @Bean} it runs last, the rate-limit filter sees the slash, and start-up warns: {@link RewritingFilterCheck}.)
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = RateLimitTrailingSlashHandlerIntegrationTests.ChatApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.include-paths=",
				"zeroclaw.resilience.rate-limit.policies.chat.paths=/api/chat",
				"zeroclaw.resilience.rate-limit.policies.chat.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.chat.burst=0" })
class RateLimitTrailingSlashHandlerIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void trailingSlashThatAFilterAheadStripsShouldNotDodgeThePolicy() throws Exception {
		assertThat(get("/api/chat/").body()).as("served by the /api/chat handler").isEqualTo("chat");
		assertThat(get("/api/chat").statusCode()).isEqualTo(429);
		HttpResponse<String> slashed = get("/api/chat/");
		assertThat(slashed.statusCode()).isEqualTo(429);
		assertThat(slashed.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	private HttpResponse<String> get(String target) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + target)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	@RestController
	static class ChatApplication {

		@GetMapping("/api/chat")
		String chat() {
			return "chat";
		}

		@Bean
		FilterRegistrationBean<UrlHandlerFilter> urlHandlerFilter() {
			FilterRegistrationBean<UrlHandlerFilter> registration = new FilterRegistrationBean<>(
					UrlHandlerFilter.trailingSlashHandler("/api/**").wrapRequest().build());
			registration.setOrder(-1000);
			return registration;
		}

	}

}
