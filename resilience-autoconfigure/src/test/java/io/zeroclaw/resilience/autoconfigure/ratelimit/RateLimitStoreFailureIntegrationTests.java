package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The rate-limit filter when a limiter fails: a shared store that denies on failure gives 503, any other failure lets
 * the request through; both are counted as errors, neither becomes a 500.
 */
@SpringBootTest(
		classes = { RateLimitTestApplication.class, RateLimitStoreFailureIntegrationTests.FailingStoreConfiguration.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.policies.shared.paths=/shared/**",
				"zeroclaw.resilience.rate-limit.policies.broken.paths=/broken/**" })
@AutoConfigureMockMvc
@ExtendWith(OutputCaptureExtension.class)
class RateLimitStoreFailureIntegrationTests {

	@Autowired
	private MockMvc mvc;

	@Autowired
	private MeterRegistry meterRegistry;

	@Test
	void unavailableStoreShouldBeAnswered503WithRetryAfterAndAProblem() throws Exception {
		this.mvc.perform(get("/shared/data").with(from("10.2.0.1")))
			.andExpect(status().isServiceUnavailable())
			.andExpect(header().string("Retry-After", "3"))
			.andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.status").value(503))
			.andExpect(jsonPath("$.title").value("Service Unavailable"))
			.andExpect(jsonPath("$.detail").value("The rate limit of policy 'shared' cannot be checked right now."));
		assertThat(count("shared", "error")).isEqualTo(1);
		assertThat(count("shared", "allowed")).isZero();
	}

	@Test
	void otherLimiterFailureShouldLetTheRequestThroughCountAnErrorAndWarnOnce(CapturedOutput output)
			throws Exception {
		this.mvc.perform(get("/broken/data").with(from("10.2.1.1")))
			.andExpect(status().isOk())
			.andExpect(content().string("ok"));
		this.mvc.perform(get("/broken/data").with(from("10.2.1.1"))).andExpect(status().isOk());
		assertThat(count("broken", "error")).isEqualTo(2);
		assertThat(count("broken", "rejected")).isZero();
		String warning = "Rate limiting of policy 'broken' failed";
		assertThat(output.toString().split(warning, -1)).hasSize(2);
		assertThat(output).contains("WARN").contains("limiter bug");
	}

	@Test
	void healthyPolicyShouldBeUnaffectedByAFailingOne() throws Exception {
		this.mvc.perform(get("/hello").with(from("10.2.2.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit", "\"default\";r=69;t=1"));
	}

	private double count(String policy, String outcome) {
		return this.meterRegistry.get(RateLimitMetrics.REQUESTS)
			.tag("policy", policy)
			.tag("outcome", outcome)
			.counter()
			.count();
	}

	@Configuration(proxyBeanMethods = false)
	static class FailingStoreConfiguration {

		@Bean
		@Primary
		RateLimiterFactory failingRateLimiterFactory(RateLimitTestApplication.FrozenClock clock) {
			return (policy, maxKeys) -> switch (policy.name()) {
				case "shared" -> (key, permits) -> {
					throw new RateLimitStoreUnavailableException("store down", Duration.ofMillis(2500), null);
				};
				case "broken" -> (key, permits) -> {
					throw new IllegalStateException("limiter bug");
				};
				default -> new LocalRateLimiter(policy, maxKeys, clock);
			};
		}

	}

}
