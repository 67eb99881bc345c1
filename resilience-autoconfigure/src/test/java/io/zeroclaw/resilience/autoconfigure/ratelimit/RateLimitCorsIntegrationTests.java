package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.hamcrest.Matchers.hasItem;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Refusals read by a browser: the filter runs before any CORS processing, so it adds the CORS headers the
 * application's configuration grants to its own refusals (a response without them reaches the page as a network
 * error); and a preflight, which never carries credentials nor the page's headers, is not charged to the address
 * under a header or principal policy.
 */
@SpringBootTest(classes = { RateLimitTestApplication.class, RateLimitCorsIntegrationTests.CorsConfig.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.window=1m",
				"zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
				"zeroclaw.resilience.rate-limit.policies.api.key=header",
				"zeroclaw.resilience.rate-limit.policies.api.key-header=X-API-Key",
				"zeroclaw.resilience.rate-limit.policies.api.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.mine.paths=/mine/**",
				"zeroclaw.resilience.rate-limit.policies.mine.key=principal",
				"zeroclaw.resilience.rate-limit.policies.mine.requests-per-window=1" })
@AutoConfigureMockMvc
class RateLimitCorsIntegrationTests {

	private static final String APP = "https://app.example";

	@Autowired
	private MockMvc mvc;

	@Test
	void refusalShouldCarryTheCorsHeadersOfSpringMvcCorsMappings() throws Exception {
		this.mvc.perform(get("/mvc/chat").header("Origin", APP).with(from("10.9.0.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("Access-Control-Allow-Origin", APP));
		this.mvc.perform(get("/mvc/chat").header("Origin", APP).with(from("10.9.0.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Access-Control-Allow-Origin", APP))
			.andExpect(header().string("Access-Control-Expose-Headers", "Retry-After, RateLimit, RateLimit-Policy"))
			.andExpect(header().stringValues("Vary", hasItem("Origin")))
			.andExpect(header().exists("Retry-After"));
	}

	@Test
	void pathRefusedAsAmbiguousShouldCarryTheCorsHeadersToo() throws Exception {
		// as written under /mvc/** (the default policy), resolved under /api/** (its own): a 400 the page can read
		this.mvc.perform(get(new URI("http", "localhost", "/mvc/x/../../api/y", null)).header("Origin", APP)
			.with(from("10.9.0.9")))
			.andExpect(status().isBadRequest())
			.andExpect(header().string("Access-Control-Allow-Origin", APP));
	}

	@Test
	void refusalShouldCarryTheCorsHeadersOfTheApplicationsCorsConfigurationSource() throws Exception {
		this.mvc.perform(get("/bean/chat").header("Origin", "https://bean.example").with(from("10.9.0.2")));
		this.mvc.perform(get("/bean/chat").header("Origin", "https://bean.example").with(from("10.9.0.2")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Access-Control-Allow-Origin", "https://bean.example"))
			.andExpect(header().string("Access-Control-Allow-Credentials", "true"));
	}

	@Test
	void refusalShouldStayA429WhenTheCorsConfigurationIsOneCorsItselfRefuses() throws Exception {
		// credentials with origin '*' make CorsConfiguration.checkOrigin throw
		this.mvc.perform(get("/star/chat").header("Origin", APP).with(from("10.9.0.8")));
		this.mvc.perform(get("/star/chat").header("Origin", APP).with(from("10.9.0.8")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().doesNotExist("Access-Control-Allow-Origin"));
	}

	@Test
	void refusalShouldCarryNoCorsHeadersForAnOriginTheConfigurationDoesNotAllow() throws Exception {
		this.mvc.perform(get("/mvc/chat").header("Origin", "https://evil.example").with(from("10.9.0.3")));
		this.mvc.perform(get("/mvc/chat").header("Origin", "https://evil.example").with(from("10.9.0.3")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().doesNotExist("Access-Control-Allow-Origin"));
	}

	@Test
	void refusalShouldCarryNoCorsHeadersWhereNoConfigurationApplies() throws Exception {
		this.mvc.perform(get("/plain").header("Origin", APP).with(from("10.9.0.4")));
		this.mvc.perform(get("/plain").header("Origin", APP).with(from("10.9.0.4")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().doesNotExist("Access-Control-Allow-Origin"));
	}

	@Test
	void preflightsOfAHeaderPolicyShouldNotSpendTheTokensOfTheirAddress() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(preflight("/api/chat").with(from("10.9.0.5")))
				.andExpect(status().isOk())
				.andExpect(header().doesNotExist("RateLimit"));
		}
		// a key never used before gets its own full bucket, whatever its address's preflights did
		this.mvc.perform(get("/api/chat").header("X-API-Key", "first").with(from("10.9.0.5")))
			.andExpect(status().isOk());
		this.mvc.perform(get("/api/chat").header("X-API-Key", "second").with(from("10.9.0.5")))
			.andExpect(status().isOk());
		this.mvc.perform(get("/api/chat").header("X-API-Key", "first").with(from("10.9.0.5")))
			.andExpect(status().isTooManyRequests());
	}

	@Test
	void preflightsOfAPrincipalPolicyShouldNotSpendTheTokensOfTheirAddress() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(preflight("/mine/chat").with(from("10.9.0.6"))).andExpect(status().isOk());
		}
		this.mvc.perform(get("/mine/chat").with(from("10.9.0.6"))).andExpect(status().isOk());
	}

	@Test
	void preflightsOfAnAddressPolicyShouldStillBeCounted() throws Exception {
		this.mvc.perform(preflight("/mvc/chat").with(from("10.9.0.7"))).andExpect(status().isOk());
		this.mvc.perform(preflight("/mvc/chat").with(from("10.9.0.7"))).andExpect(status().isTooManyRequests());
	}

	private static MockHttpServletRequestBuilder preflight(String path) {
		return options(path).header("Origin", APP)
			.header("Access-Control-Request-Method", "POST")
			.header("Access-Control-Request-Headers", "X-API-Key");
	}

	@Configuration(proxyBeanMethods = false)
	static class CorsConfig implements WebMvcConfigurer {

		@Override
		public void addCorsMappings(CorsRegistry registry) {
			for (String path : List.of("/mvc/**", "/api/**", "/mine/**")) {
				registry.addMapping(path)
					.allowedOrigins(APP)
					.allowedMethods("GET", "POST")
					.allowedHeaders("X-API-Key")
					.exposedHeaders("Retry-After", "RateLimit", "RateLimit-Policy");
			}
		}

		@Bean
		CorsConfigurationSource corsConfigurationSource() {
			CorsConfiguration configuration = new CorsConfiguration();
			configuration.addAllowedOrigin("https://bean.example");
			configuration.addAllowedMethod("GET");
			configuration.setAllowCredentials(true);
			UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
			source.registerCorsConfiguration("/bean/**", configuration);
			CorsConfiguration invalid = new CorsConfiguration();
			invalid.addAllowedOrigin("*");
			invalid.setAllowCredentials(true);
			source.registerCorsConfiguration("/star/**", invalid);
			return source;
		}

	}

}
