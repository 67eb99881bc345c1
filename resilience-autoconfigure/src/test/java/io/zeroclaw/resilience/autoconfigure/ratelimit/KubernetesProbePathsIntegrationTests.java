package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Kubernetes probes on the main port: Spring Boot serves the health groups at {@code /livez} and {@code /readyz} with
 * {@code management.endpoint.health.probes.add-additional-paths=true}. They are health checks, which the default
 * {@code exclude-paths} leave unlimited: a kubelet probing from a node address that clients share (SNAT) must not get
 * a 429 and restart the pod.
 */
@SpringBootTest(classes = RateLimitTestApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"management.endpoint.health.probes.enabled=true",
				"management.endpoint.health.probes.add-additional-paths=true",
				"management.endpoints.web.exposure.include=health,resilience" })
@AutoConfigureMockMvc
class KubernetesProbePathsIntegrationTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void actuatorHealthShouldNotBeLimited() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(get("/actuator/health/liveness").with(from("10.9.0.1")))
				.andExpect(status().isOk())
				.andExpect(header().doesNotExist("RateLimit"));
		}
	}

	@Test
	void endpointShouldShowTheExcludedPathsInEffect() throws Exception {
		// configprops shows the configured list, the default /actuator/**, not what the filter works out from it
		this.mvc.perform(get("/actuator/resilience"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.rateLimit.excludePaths").value(contains("/actuator/**", "/livez/**", "/readyz/**")));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/livez", "/readyz" })
	void kubernetesProbePathsOnTheMainPortShouldNotBeLimited(String path) throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(get(path).with(from("10.9.1.1")))
				.andExpect(status().isOk())
				.andExpect(content().string(containsString("UP")))
				.andExpect(header().doesNotExist("RateLimit"));
		}
	}

}
