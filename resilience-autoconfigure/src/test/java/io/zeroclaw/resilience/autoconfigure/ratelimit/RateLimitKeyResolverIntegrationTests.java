package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The rate-limit filter with an application's own {@link RateLimitKeyResolver}, and with the rate-limit headers of
 * allowed responses turned off.
 */
@SpringBootTest(
		classes = { RateLimitTestApplication.class, RateLimitKeyResolverIntegrationTests.TenantKeyConfiguration.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=2", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.headers=false",
				"zeroclaw.resilience.rate-limit.policies.reports.paths=/reports/**" })
@AutoConfigureMockMvc
class RateLimitKeyResolverIntegrationTests {

	@Autowired
	private MockMvc mvc;

	@Autowired
	private TenantKeyConfiguration tenants;

	@Test
	void resolverShouldKeyRequestsWhateverTheClientAddress() throws Exception {
		this.mvc.perform(get("/hello").with(from("10.1.0.1")).header("X-Tenant", "acme")).andExpect(status().isOk());
		this.mvc.perform(get("/hello").with(from("10.1.0.2")).header("X-Tenant", "acme")).andExpect(status().isOk());
		this.mvc.perform(get("/hello").with(from("10.1.0.3")).header("X-Tenant", "acme"))
			.andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/hello").with(from("10.1.0.3")).header("X-Tenant", "globex"))
			.andExpect(status().isOk());
	}

	@Test
	void resolverShouldBeToldWhichPolicyApplies() throws Exception {
		this.mvc.perform(get("/reports/daily").with(from("10.1.1.1")).header("X-Tenant", "initech"))
			.andExpect(status().isOk());
		assertThat(this.tenants.seen).contains("reports:initech");
		this.mvc.perform(get("/daily").with(from("10.1.1.1")).header("X-Tenant", "initech"))
			.andExpect(status().isOk());
		assertThat(this.tenants.seen).contains("default:initech");
	}

	@Test
	void resolverReturningNoKeyShouldFallBackToTheClientAddress() throws Exception {
		this.mvc.perform(get("/hello").with(from("10.1.2.1"))).andExpect(status().isOk());
		this.mvc.perform(get("/hello").with(from("10.1.2.1"))).andExpect(status().isOk());
		this.mvc.perform(get("/hello").with(from("10.1.2.1"))).andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/hello").with(from("10.1.2.2"))).andExpect(status().isOk());
	}

	@Test
	void resolverThrowingACheckedExceptionShouldLetTheRequestThrough() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(get("/hello").header("X-Tenant", "unreadable").with(from("10.1.4.1")))
				.andExpect(status().isOk());
		}
	}

	@Test
	void allowedResponsesShouldCarryNoRateLimitHeadersWhenTurnedOffButRefusalsStill() throws Exception {
		this.mvc.perform(get("/hello").with(from("10.1.3.1")))
			.andExpect(status().isOk())
			.andExpect(header().doesNotExist("RateLimit"))
			.andExpect(header().doesNotExist("RateLimit-Policy"));
		this.mvc.perform(get("/hello").with(from("10.1.3.1"))).andExpect(status().isOk());
		this.mvc.perform(get("/hello").with(from("10.1.3.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "30"))
			.andExpect(header().string("RateLimit-Policy", "\"default\";q=2;w=60"))
			.andExpect(header().string("RateLimit", "\"default\";r=0;t=60"));
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> RuntimeException sneaky(Throwable checked) throws E {
		throw (E) checked;
	}

	@Configuration(proxyBeanMethods = false)
	static class TenantKeyConfiguration {

		final Set<String> seen = ConcurrentHashMap.newKeySet();

		@Bean
		RateLimitKeyResolver tenantKeyResolver() {
			return (request, policyName) -> {
				String tenant = request.getHeader("X-Tenant");
				if (tenant == null) {
					return null;
				}
				if (tenant.equals("unreadable")) {
					// as a resolver written in Kotlin may: a checked exception, undeclared
					throw sneaky(new IOException("the tenant registry is unreachable"));
				}
				this.seen.add(policyName + ":" + tenant);
				return "tenant:" + tenant;
			};
		}

	}

}
