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
 * would share one bucket of preflights. The resolver keys every policy, so this holds whatever the policy's configured
 * {@code key}: {@code header} for {@code api}, left at its default ({@code ip}) for {@code tenant}.
 */
@SpringBootTest(classes = { RateLimitTestApplication.class, RateLimitResolverPreflightIntegrationTests.Config.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.include-paths=/nothing",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
				"zeroclaw.resilience.rate-limit.policies.api.key=header",
				"zeroclaw.resilience.rate-limit.policies.api.key-header=X-API-Key",
				"zeroclaw.resilience.rate-limit.policies.api.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.api.window=1m",
				"zeroclaw.resilience.rate-limit.policies.api.burst=0",
				"zeroclaw.resilience.rate-limit.policies.tenant.paths=/tenant/**",
				"zeroclaw.resilience.rate-limit.policies.tenant.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.tenant.window=1m",
				"zeroclaw.resilience.rate-limit.policies.tenant.burst=0" })
@AutoConfigureMockMvc
class RateLimitResolverPreflightIntegrationTests {

	private static final String APP = "https://app.example";

	@Autowired
	private MockMvc mvc;

	@Test
	void preflightsOfAHeaderPolicyKeyedByAResolverShouldNotSpendTheTokensOfTheirAddress() throws Exception {
		preflightsShouldNotSpendTheTokensOfTheirAddress("/api/chat", "10.77.0.1");
	}

	@Test
	void preflightsOfAPolicyWithTheDefaultKeyKeyedByAResolverShouldNotSpendTheTokensOfTheirAddress()
			throws Exception {
		preflightsShouldNotSpendTheTokensOfTheirAddress("/tenant/chat", "10.78.0.1");
	}

	private void preflightsShouldNotSpendTheTokensOfTheirAddress(String path, String address) throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(options(path).header("Origin", APP)
				.header("Access-Control-Request-Method", "POST")
				.header("Access-Control-Request-Headers", "X-API-Key, X-Tenant")
				.with(from(address))).andExpect(status().isOk());
		}
		this.mvc.perform(get(path).header("X-API-Key", "first").header("X-Tenant", "t1").with(from(address)))
			.andExpect(status().isOk());
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
			for (String path : new String[] { "/api/**", "/tenant/**" }) {
				registry.addMapping(path).allowedOrigins(APP).allowedMethods("GET", "POST")
					.allowedHeaders("X-API-Key", "X-Tenant");
			}
		}

	}

}
