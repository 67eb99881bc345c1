package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Without {@code zeroclaw.resilience.rate-limit.enabled}, nothing is limited.
 */
@SpringBootTest(classes = RateLimitTestApplication.class,
		properties = "zeroclaw.resilience.rate-limit.requests-per-window=1")
@AutoConfigureMockMvc
class RateLimitDisabledIntegrationTests {

	@Autowired
	private MockMvc mvc;

	@Autowired
	private ApplicationContext context;

	@Test
	void requestsShouldNeverBeLimitedWhenRateLimitingIsDisabled() throws Exception {
		assertThat(this.context.getBeansOfType(RateLimitPolicies.class)).isEmpty();
		for (int i = 0; i < 20; i++) {
			this.mvc.perform(get("/hello").with(from("10.3.0.1")))
				.andExpect(status().isOk())
				.andExpect(header().doesNotExist("RateLimit"));
		}
	}

}
