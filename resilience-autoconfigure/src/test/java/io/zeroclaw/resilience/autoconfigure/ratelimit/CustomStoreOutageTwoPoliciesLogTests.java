package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;

import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Two policies on two stores of the application's own, both down: each is named at WARN, once a minute each, however
 * much more traffic the other gets.
 */
@SpringBootTest(classes = { RateLimitTestApplication.class, CustomStoreOutageTwoPoliciesLogTests.TwoStores.class },
		properties = { "spring.application.name=two-store-outage", "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.policies.shared.paths=/shared/**",
				"zeroclaw.resilience.rate-limit.policies.broken.paths=/broken/**" })
@AutoConfigureMockMvc
@ExtendWith(OutputCaptureExtension.class)
class CustomStoreOutageTwoPoliciesLogTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void eachPolicyWhoseCustomStoreIsDownShouldBeNamedAtWarn(CapturedOutput output) throws Exception {
		this.mvc.perform(get("/shared/data").with(from("10.9.1.1"))).andExpect(status().isServiceUnavailable());
		this.mvc.perform(get("/broken/data").with(from("10.9.1.2"))).andExpect(status().isServiceUnavailable());
		assertThat(output.getAll().lines().filter((line) -> line.contains(" WARN ") && line.contains("'shared'")))
			.hasSize(1);
		assertThat(output.getAll().lines().filter((line) -> line.contains(" WARN ") && line.contains("'broken'")))
			.as("the second policy's store, down too, is named").hasSize(1);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class TwoStores {

		@Bean
		@Primary
		RateLimiterFactory twoFailingStores(RateLimitTestApplication.FrozenClock clock) {
			return (policy, maxKeys) -> switch (policy.name()) {
				case "shared" -> (key, permits) -> {
					throw new RateLimitStoreUnavailableException("store A down", Duration.ofSeconds(3), null);
				};
				case "broken" -> (key, permits) -> {
					throw new RateLimitStoreUnavailableException("store B down", Duration.ofSeconds(3), null);
				};
				default -> new LocalRateLimiter(policy, maxKeys, clock);
			};
		}

	}

}
