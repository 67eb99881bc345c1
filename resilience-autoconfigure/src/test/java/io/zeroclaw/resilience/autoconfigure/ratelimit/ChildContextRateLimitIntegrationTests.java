package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A web child ({@code SpringApplicationBuilder.parent}) under a parent without a web server, rate limiting enabled in
 * both, the child with a quota of its own: the child's server limits by the child's settings, not the parent's.
 */
class ChildContextRateLimitIntegrationTests {

	private final HttpClient client = HttpClient.newHttpClient();

	private ConfigurableApplicationContext child;

	@AfterEach
	void close() {
		if (this.child != null) {
			this.child.close();
			((ConfigurableApplicationContext) this.child.getParent()).close();
		}
	}

	@Test
	void theChildsServerShouldLimitByTheChildsOwnQuota() throws Exception {
		start();
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			statuses.add(get("/hello").statusCode());
		}
		assertThat(get("/hello").headers().firstValue("RateLimit-Policy")).hasValue("\"default\";q=1;w=60");
		assertThat(statuses).containsExactly(200, 429, 429);
	}

	private void start() {
		ConfigurableApplicationContext parent = new SpringApplicationBuilder(ParentConfiguration.class)
			.web(WebApplicationType.NONE)
			.properties("zeroclaw.resilience.rate-limit.enabled=true",
					"management.endpoints.web.exposure.include=resilience")
			.run();
		this.child = new SpringApplicationBuilder(ChildApplication.class).parent(parent)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
					"management.endpoints.web.exposure.include=resilience")
			.run();
	}

	private HttpResponse<String> get(String path) throws Exception {
		int port = ((WebServerApplicationContext) this.child).getWebServer().getPort();
		return this.client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class ParentConfiguration {

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class ChildApplication {

		@RestController
		static class HelloController {

			@RequestMapping("/hello")
			String hello() {
				return "hello";
			}

		}

	}

}
