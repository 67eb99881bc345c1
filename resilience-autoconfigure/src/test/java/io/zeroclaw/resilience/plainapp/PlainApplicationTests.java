package io.zeroclaw.resilience.plainapp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A plain Spring Boot web application that adds only the starter runs unchanged: its endpoints answer as before and
 * no rate-limit header appears.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class PlainApplicationTests {

	@LocalServerPort
	private int port;

	@Autowired
	private ApplicationContext context;

	@Test
	void applicationWithOnlyTheStarterShouldAnswerWithoutRateLimitHeaders() throws Exception {
		HttpClient client = HttpClient.newHttpClient();
		for (int i = 0; i < 100; i++) {
			HttpResponse<String> response = client.send(
					HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/hello")).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("hello");
			assertThat(response.headers().map().keySet()).noneMatch((name) -> name.toLowerCase().startsWith("ratelimit"))
				.noneMatch((name) -> name.equalsIgnoreCase("Retry-After"));
		}
	}

	@Test
	void applicationWithOnlyTheStarterShouldHaveNoResilienceBeansButItsProperties() {
		assertThat(this.context.getBeanDefinitionNames()).filteredOn((name) -> {
			Class<?> type = this.context.getType(name);
			return type != null && type.getPackageName().startsWith("io.zeroclaw.resilience")
					&& !type.getSimpleName().endsWith("AutoConfiguration")
					&& !type.getPackageName().equals("io.zeroclaw.resilience.plainapp");
		}).hasSize(1);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(HelloController.class)
	static class PlainApplication {

	}

	@RestController
	static class HelloController {

		@GetMapping("/hello")
		String hello() {
			return "hello";
		}

	}

}
