package io.zeroclaw.resilience.sample;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The README's recipes for testing an application's own limits in a {@code @WebMvcTest} slice, on the sample's
 * webhook (five calls a minute per client address, from {@code application.yml}).
 */
class WebhookSliceTests {

	/** The starter is not part of the slice: the controller is tested alone, however many requests a test makes. */
	@Nested
	@WebMvcTest(WebhookController.class)
	class WithoutTheStarter {

		@Autowired
		private MockMvc mvc;

		@Test
		void webhookShouldNotBeLimited() throws Exception {
			for (int i = 0; i < 10; i++) {
				this.mvc.perform(webhook("203.0.113.1"))
					.andExpect(status().isOk())
					.andExpect(header().doesNotExist("RateLimit"));
			}
		}

	}

	/**
	 * Imported into the slice, rate limiting runs through MockMvc as it does on the server. The slice's context is
	 * cached and shared, and with it the buckets: each test takes its own client address so that one test's
	 * requests do not spend another's quota.
	 */
	@Nested
	@WebMvcTest(WebhookController.class)
	@ImportAutoConfiguration(RateLimitAutoConfiguration.class)
	class WithRateLimiting {

		@Autowired
		private MockMvc mvc;

		@Test
		void sixthCallShouldBeRefusedWithAProblem() throws Exception {
			for (int i = 1; i <= 5; i++) {
				this.mvc.perform(webhook("203.0.113.2"))
					.andExpect(status().isOk())
					.andExpect(header().string("RateLimit-Policy", "\"webhook\";q=5;w=60"));
			}
			this.mvc.perform(webhook("203.0.113.2"))
				.andExpect(status().isTooManyRequests())
				.andExpect(header().exists(HttpHeaders.RETRY_AFTER))
				.andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
				.andExpect(jsonPath("$.status").value(429));
		}

		@Test
		void anotherClientShouldHaveItsOwnQuota() throws Exception {
			for (int i = 1; i <= 5; i++) {
				this.mvc.perform(webhook("203.0.113.3")).andExpect(status().isOk());
			}
			this.mvc.perform(webhook("203.0.113.4"))
				.andExpect(status().isOk())
				.andExpect(header().string("RateLimit", startsWith("\"webhook\";r=4;")));
		}

	}

	private static MockHttpServletRequestBuilder webhook(String clientAddress) {
		return post("/webhook").with(remoteAddress(clientAddress));
	}

	private static RequestPostProcessor remoteAddress(String address) {
		return (request) -> {
			request.setRemoteAddr(address);
			return request;
		};
	}

}
