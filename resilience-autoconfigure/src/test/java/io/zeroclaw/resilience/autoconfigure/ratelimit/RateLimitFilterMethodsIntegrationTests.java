package io.zeroclaw.resilience.autoconfigure.ratelimit;

import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.PolicyDescriptor;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.head;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Policies for some HTTP methods, through the filter chain the auto-configuration registers: a request with another
 * method goes on to the next policy whose paths match, then to the default policy; a policy for GET limits HEAD too,
 * which Spring MVC answers with the GET handler. Every test uses client addresses of its own, since the limiters live
 * as long as the context.
 */
@SpringBootTest(classes = RateLimitTestApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=5", "zeroclaw.resilience.rate-limit.window=1m",
				"zeroclaw.resilience.rate-limit.burst=0", "zeroclaw.resilience.rate-limit.include-paths=/**",
				"zeroclaw.resilience.rate-limit.policies.writes.paths=/items/**",
				"zeroclaw.resilience.rate-limit.policies.writes.methods=post, Put",
				"zeroclaw.resilience.rate-limit.policies.writes.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.reads.paths=/items/**,/reports/**",
				"zeroclaw.resilience.rate-limit.policies.reads.methods=GET",
				"zeroclaw.resilience.rate-limit.policies.reads.requests-per-window=2",
				"management.endpoints.web.exposure.include=resilience" })
@AutoConfigureMockMvc
class RateLimitFilterMethodsIntegrationTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void policyShouldLimitTheMethodsItListsInTheCaseSpringMvcNamesThem() throws Exception {
		this.mvc.perform(post("/items/1").with(from("10.4.1.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit-Policy", "\"writes\";q=1;w=60"));
		this.mvc.perform(put("/items/1").with(from("10.4.1.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("RateLimit-Policy", "\"writes\";q=1;w=60"));
	}

	@Test
	void requestWithAnotherMethodShouldGoOnToTheNextPolicyThenTheDefaultOne() throws Exception {
		this.mvc.perform(get("/items/1").with(from("10.4.2.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit-Policy", "\"reads\";q=2;w=60"));
		this.mvc.perform(request(HttpMethod.DELETE, "/items/1").with(from("10.4.2.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit-Policy", "\"default\";q=5;w=60"));
		this.mvc.perform(post("/reports/1").with(from("10.4.2.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit-Policy", "\"default\";q=5;w=60"))
			.andExpect(header().string("RateLimit", "\"default\";r=3;t=24"));
	}

	@Test
	void headShouldSpendTheQuotaOfAPolicyForGet() throws Exception {
		this.mvc.perform(get("/reports/1").with(from("10.4.3.1"))).andExpect(status().isOk());
		this.mvc.perform(head("/reports/1").with(from("10.4.3.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit", "\"reads\";r=0;t=60"));
		this.mvc.perform(head("/reports/1").with(from("10.4.3.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("RateLimit-Policy", "\"reads\";q=2;w=60"));
	}

	@Test
	void methodWrittenInAnotherCaseShouldNotBeTakenForTheMethod() throws Exception {
		// Spring MVC routes "post" to no POST handler either (methods are case-sensitive): not the writes policy's
		this.mvc.perform(request(HttpMethod.valueOf("post"), "/items/1").with(from("10.4.4.1")))
			.andExpect(header().string("RateLimit-Policy", "\"default\";q=5;w=60"));
	}

	@Test
	void endpointShouldListEachPolicysMethods(@Autowired ResilienceEndpoint endpoint) {
		var policies = endpoint.resilience().rateLimit().policies();
		assertThat(policies.get("writes").methods()).containsExactly("POST", "PUT");
		assertThat(policies.get("reads").methods()).containsExactly("GET");
		assertThat(policies.get("default").methods()).isEmpty();
		assertThat(policies.values()).extracting(PolicyDescriptor::key).containsOnly("ip");
	}

}
