package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

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
		assertThat(statuses("X-Forwarded-For", "[2001:db8:9:1::a]:1111", "[2001:db8:9:1::b]:2222",
				"[2001:db8:9:1::c]:3333")).containsExactly(200, 200, 429);
	}

	@Test
	void forwardedForWithBracketsAndPortShouldStillGroupTheSubnet() throws Exception {
		assertThat(statuses("Forwarded", "for=\"[2001:db8:9:2::a]:1111\"", "for=\"[2001:db8:9:2::b]:2222\"",
				"for=\"[2001:db8:9:2::c]:3333\"")).containsExactly(200, 200, 429);
	}

	@Test
	void ipv4ClientWithPortShouldBeOneClient() throws Exception {
		assertThat(statuses("X-Forwarded-For", "203.0.113.9:1111", "203.0.113.9:2222", "203.0.113.9:3333"))
			.containsExactly(200, 200, 429);
	}

	/** One request per value of the header, each from the trusted proxy, in order. */
	private List<Integer> statuses(String header, String... values) throws Exception {
		List<Integer> statuses = new ArrayList<>();
		for (String value : values) {
			statuses.add(this.mvc.perform(post("/a").with(from("127.0.0.1")).header(header, value))
				.andReturn()
				.getResponse()
				.getStatus());
		}
		return statuses;
	}

}
