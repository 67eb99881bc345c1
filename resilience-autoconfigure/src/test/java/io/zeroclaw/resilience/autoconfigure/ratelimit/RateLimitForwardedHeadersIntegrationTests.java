package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Client addresses behind a trusted proxy, with Spring Boot's {@code server.forward-headers-strategy=framework}
 * (Spring's {@code ForwardedHeaderFilter}, which passes {@code X-Forwarded-For} on as written): the proxy at 127.0.0.1
 * writes the client's address, as some do with the client's port, a new one per connection.
 */
@SpringBootTest(classes = RateLimitTestApplication.class,
		properties = { "server.forward-headers-strategy=framework", "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=2", "zeroclaw.resilience.rate-limit.burst=0" })
@AutoConfigureMockMvc
class RateLimitForwardedHeadersIntegrationTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void xForwardedForWithBracketsAndPortShouldStillGroupTheSubnet() throws Exception {
		// e.g. Azure Application Gateway writes the client's address with its port
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("X-Forwarded-For", "[2001:db8:9:1::a]:1111"))
			.andExpect(status().isOk());
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("X-Forwarded-For", "[2001:db8:9:1::b]:2222"))
			.andExpect(status().isOk());
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("X-Forwarded-For", "[2001:db8:9:1::c]:3333"))
			.andExpect(status().isTooManyRequests());
	}

	@Test
	void forwardedForWithBracketsAndPortShouldStillGroupTheSubnet() throws Exception {
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("Forwarded", "for=\"[2001:db8:9:2::a]:1111\""))
			.andExpect(status().isOk());
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("Forwarded", "for=\"[2001:db8:9:2::b]:2222\""))
			.andExpect(status().isOk());
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("Forwarded", "for=\"[2001:db8:9:2::c]:3333\""))
			.andExpect(status().isTooManyRequests());
	}

	@Test
	void ipv4ClientWithPortShouldBeOneClient() throws Exception {
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("X-Forwarded-For", "203.0.113.9:1111"))
			.andExpect(status().isOk());
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("X-Forwarded-For", "203.0.113.9:2222"))
			.andExpect(status().isOk());
		this.mvc.perform(post("/a").with(from("127.0.0.1")).header("X-Forwarded-For", "203.0.113.9:3333"))
			.andExpect(status().isTooManyRequests());
	}

}
