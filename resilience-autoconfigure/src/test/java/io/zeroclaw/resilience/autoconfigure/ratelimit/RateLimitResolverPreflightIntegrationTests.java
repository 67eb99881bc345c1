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
 * A policy keyed through a {@link RateLimitKeyResolver} (a key of two headers) does not charge the preflights for
 * which the resolver finds no key to their address, as a header or principal policy does not: everyone behind one NAT
 * would share one bucket of preflights.
 */
@SpringBootTest(classes = { RateLimitTestApplication.class, RateLimitResolverPreflightIntegrationTests.Config.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.include-paths=/nothing",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
				"zeroclaw.resilience.rate-limit.policies.api.key=header",
				"zeroclaw.resilience.rate-limit.policies.api.key-header=X-API-Key",
				"zeroclaw.resilience.rate-limit.policies.api.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.api.window=1m",
				"zeroclaw.resilience.rate-limit.policies.api.burst=0" })
@AutoConfigureMockMvc
class RateLimitResolverPreflightIntegrationTests {

	private static final String APP = "https://app.example";

	@Autowired
	private MockMvc mvc;

	@Test
	void preflightsOfAPolicyKeyedByAResolverShouldNotSpendTheTokensOfTheirAddress() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(options("/api/chat").header("Origin", APP)
				.header("Access-Control-Request-Method", "POST")
				.header("Access-Control-Request-Headers", "X-API-Key, X-Tenant")
				.with(from("10.77.0.1"))).andExpect(status().isOk());
		}
		this.mvc.perform(get("/api/chat").header("X-API-Key", "first").header("X-Tenant", "t1")
			.with(from("10.77.0.1"))).andExpect(status().isOk());
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
