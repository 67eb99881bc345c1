package io.zeroclaw.resilience.webflux;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class WebFluxStartUpTests {

	@Test
	void aReactiveApplicationWithEveryProtectionAndAManagementPortShouldStartWithOnlyTheFilterWarning(
			CapturedOutput output) {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FluxApplication.class).run(
				"--server.port=0", "--management.server.port=0",
				"--zeroclaw.resilience.circuit-breaker.enabled=true", "--zeroclaw.resilience.backpressure.enabled=true",
				"--zeroclaw.resilience.rate-limit.enabled=true", "--spring.webflux.base-path=/app",
				"--management.endpoints.web.exposure.include=health,resilience",
				"--management.endpoint.health.show-details=always")) {
			WebTestClient management = WebTestClient.bindToServer()
				.baseUrl("http://localhost:" + context.getEnvironment().getProperty("local.management.port"))
				.responseTimeout(Duration.ofSeconds(10))
				.build();
			management.get()
				.uri("/actuator/resilience")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.rateLimit.filter")
				.isEqualTo(false);
			management.get()
				.uri("/actuator/health")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.components.resilience.status")
				.isEqualTo("UP");
			WebTestClient app = WebTestClient.bindToServer()
				.baseUrl("http://localhost:" + context.getEnvironment().getProperty("local.server.port"))
				.build();
			app.get().uri("/app/chat").exchange().expectStatus().isOk();
		}
		assertThat(output.getAll().lines().filter((line) -> line.contains(" WARN ") || line.contains(" ERROR ")))
			.singleElement()
			.asString()
			.contains("this is not a servlet web application");
	}

}
