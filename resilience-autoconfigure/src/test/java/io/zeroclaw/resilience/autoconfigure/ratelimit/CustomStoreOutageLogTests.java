package io.zeroclaw.resilience.autoconfigure.ratelimit;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitStoreFailureIntegrationTests.FailingStoreConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A store of the application's own (a {@code RateLimiterFactory}) that reports itself unavailable turns every request
 * of its policy into a 503: an operator at the default log level must be told so, once, not only at DEBUG.
 */
@SpringBootTest(classes = { RateLimitTestApplication.class, FailingStoreConfiguration.class },
		properties = { "spring.application.name=custom-store-outage", "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.policies.shared.paths=/shared/**",
				"zeroclaw.resilience.rate-limit.policies.broken.paths=/broken/**" })
@AutoConfigureMockMvc
@ExtendWith(OutputCaptureExtension.class)
class CustomStoreOutageLogTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void aCustomStoreDownShouldBeWarnedOnceWhileEveryRequestIsAnswered503(CapturedOutput output) throws Exception {
		for (int i = 0; i < 50; i++) {
			this.mvc.perform(get("/shared/data").with(from("10.9.0." + (i % 5))))
				.andExpect(status().isServiceUnavailable());
		}
		assertThat(output.getAll().lines().filter((line) -> line.contains(" WARN ") && line.contains("'shared'")))
			.hasSize(1);
	}

}
