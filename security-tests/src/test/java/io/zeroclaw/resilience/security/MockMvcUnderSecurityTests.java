package io.zeroclaw.resilience.security;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.servlet.MockMvc;

import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** A user's own MockMvc test of {@code key: principal} beside an {@code ip} policy, with Security applied. */
@SpringBootTest(classes = SecuredApplication.class)
@ActiveProfiles("mixed")
@AutoConfigureMockMvc
class MockMvcUnderSecurityTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void basicUsersHaveBucketsOfTheirOwn() throws Exception {
		for (int i = 0; i < 2; i++) {
			this.mvc.perform(get("/api/me").with(httpBasic("alice", "pw"))).andExpect(status().isOk());
		}
		this.mvc.perform(get("/api/me").with(httpBasic("alice", "pw")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().exists("Retry-After"));
		this.mvc.perform(get("/api/me").with(httpBasic("bob", "pw"))).andExpect(status().isOk());
	}

	@Test
	void jwtUsersHaveBucketsOfTheirOwn() throws Exception {
		for (int i = 0; i < 2; i++) {
			this.mvc.perform(get("/api/me").with(jwt().jwt((j) -> j.subject("zed")))).andExpect(status().isOk());
		}
		this.mvc.perform(get("/api/me").with(jwt().jwt((j) -> j.subject("zed"))))
			.andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/api/me").with(jwt().jwt((j) -> j.subject("yan")))).andExpect(status().isOk());
	}

}
