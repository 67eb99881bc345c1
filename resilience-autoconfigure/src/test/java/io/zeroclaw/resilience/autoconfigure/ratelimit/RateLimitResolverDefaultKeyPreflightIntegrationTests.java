package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * As {@link RateLimitResolverPreflightIntegrationTests}, but with the policy's {@code key} left at its default
 * ({@code ip}): the resolver keys the policy all the same, so the preflights it finds no key for are not charged to
 * their address either.
 */
@SpringBootTest(
		classes = { RateLimitTestApplication.class, RateLimitResolverDefaultKeyPreflightIntegrationTests.Config.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.include-paths=/nothing",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
				"zeroclaw.resilience.rate-limit.policies.api.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.api.window=1m",
				"zeroclaw.resilience.rate-limit.policies.api.burst=0" })
@AutoConfigureMockMvc
class RateLimitResolverDefaultKeyPreflightIntegrationTests {

	private static final String APP = "https://app.example";

	@Autowired
	private MockMvc mvc;

	@Test
	void preflightsOfAPolicyKeyedByAResolverShouldNotSpendTheTokensOfTheirAddress() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(options("/api/chat").header("Origin", APP)
				.header("Access-Control-Request-Method", "POST")
				.header("Access-Control-Request-Headers", "X-API-Key, X-Tenant")
				.with(from("10.78.0.1"))).andExpect(status().isOk());
		}
		this.mvc.perform(get("/api/chat").header("X-API-Key", "first").header("X-Tenant", "t1")
			.with(from("10.78.0.1"))).andExpect(status().isOk());
	}

	@Configuration(proxyBeanMethods = false)
	static class Config implements WebMvcConfigurer {

		/** A key of two headers: the tenant and its API key; none on a request that has neither. */
		@Bean
		RateLimitKeyResolver tenantKeyResolver() {
			return (request, policy) -> (request.getHeader("X-API-Key") != null)
					? request.getHeader("X-Tenant") + ":" + request.getHeader("X-API-Key") : null;
		}

		@Override
		public void addCorsMappings(CorsRegistry registry) {
			registry.addMapping("/api/**").allowedOrigins(APP).allowedMethods("GET", "POST")
				.allowedHeaders("X-API-Key", "X-Tenant");
		}

	}

}
