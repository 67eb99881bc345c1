package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The rate-limit filter end to end, through the filter chain the auto-configuration registers. Limiters run on a
 * frozen clock, and every test uses client addresses of its own, since the limiters live as long as the context.
 */
@SpringBootTest(classes = RateLimitTestApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=3", "zeroclaw.resilience.rate-limit.window=1m",
				"zeroclaw.resilience.rate-limit.burst=0", "zeroclaw.resilience.rate-limit.max-keys=50",
				"zeroclaw.resilience.rate-limit.exclude-paths=/actuator/**,/public/**",
				"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
				"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=2",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
				"zeroclaw.resilience.rate-limit.policies.api.key=header",
				"zeroclaw.resilience.rate-limit.policies.api.requests-per-window=2",
				"zeroclaw.resilience.rate-limit.policies.token.paths=/token/**",
				"zeroclaw.resilience.rate-limit.policies.token.key=header",
				"zeroclaw.resilience.rate-limit.policies.token.key-header=Authorization",
				"zeroclaw.resilience.rate-limit.policies.token.requests-per-window=2",
				"zeroclaw.resilience.rate-limit.policies.me.paths=/me/**",
				"zeroclaw.resilience.rate-limit.policies.me.key=principal",
				"zeroclaw.resilience.rate-limit.policies.me.requests-per-window=2",
				"zeroclaw.resilience.rate-limit.policies.flood.paths=/flood",
				"zeroclaw.resilience.rate-limit.policies.flood.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.metered.paths=/metered",
				"zeroclaw.resilience.rate-limit.policies.metered.requests-per-window=2",
				"zeroclaw.resilience.rate-limit.policies.once.paths=/once",
				"zeroclaw.resilience.rate-limit.policies.once.requests-per-window=0",
				"zeroclaw.resilience.rate-limit.policies.once.burst=1" })
@AutoConfigureMockMvc
@ExtendWith(OutputCaptureExtension.class)
class RateLimitFilterIntegrationTests {

	@Autowired
	private MockMvc mvc;

	@Autowired
	private RateLimitPolicies policies;

	@Autowired
	private MeterRegistry meterRegistry;

	@Autowired
	@Qualifier("rateLimitFilterRegistration")
	private FilterRegistrationBean<RateLimitFilter> filterRegistration;

	@Test
	void allowedRequestShouldCarryTheRateLimitHeaders() throws Exception {
		this.mvc.perform(get("/hello").with(from("10.0.1.1")))
			.andExpect(status().isOk())
			.andExpect(content().string("ok"))
			.andExpect(header().string("RateLimit-Policy", "\"default\";q=3;w=60"))
			.andExpect(header().string("RateLimit", "\"default\";r=2;t=20"));
		this.mvc.perform(get("/hello").with(from("10.0.1.1")))
			.andExpect(header().string("RateLimit", "\"default\";r=1;t=40"));
	}

	@Test
	void ipv6ClientShouldBeOneClientAcrossTheAddressesOfItsSubnet() throws Exception {
		// a host with a /64 picks any of 2^64 addresses (privacy extensions change them on their own)
		this.mvc.perform(post("/webhook").with(from("2001:db8:7:1::a"))).andExpect(status().isOk());
		this.mvc.perform(post("/webhook").with(from("2001:db8:7:1:ffff:0:0:b"))).andExpect(status().isOk());
		this.mvc.perform(post("/webhook").with(from("[2001:db8:7:1:1234::c%eth0]")))
			.andExpect(status().isTooManyRequests());
		this.mvc.perform(post("/webhook").with(from("2001:db8:7:2::a"))).andExpect(status().isOk());
	}

	@Test
	void ipv4MappedAddressShouldBeTheIpv4ClientItMaps() throws Exception {
		this.mvc.perform(post("/webhook").with(from("10.0.7.1"))).andExpect(status().isOk());
		this.mvc.perform(post("/webhook").with(from("::ffff:10.0.7.1"))).andExpect(status().isOk());
		this.mvc.perform(post("/webhook").with(from("10.0.7.1"))).andExpect(status().isTooManyRequests());
	}

	@Test
	void requestWithAMalformedPathShouldBeABadRequestWithAProblemNotAServerError() throws Exception {
		// MockMvc's own path decoding rejects such a URI before any filter, so the registered filter is called directly.
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/%zz");
		request.setRemoteAddr("10.0.1.9");
		MockHttpServletResponse response = new MockHttpServletResponse();
		MockFilterChain chain = new MockFilterChain();
		this.filterRegistration.getFilter().doFilter(request, response, chain);
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(response.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		assertThat(response.getContentAsString()).contains("\"status\":400").contains("\"instance\":\"/api/%zz\"");
		assertThat(chain.getRequest()).as("the request went no further").isNull();
	}

	@Test
	void corsPreflightShouldBeLimitedLikeAnyRequestSoThatItCannotBypassTheLimit() throws Exception {
		this.mvc.perform(post("/webhook").with(from("10.0.2.8"))).andExpect(status().isOk());
		this.mvc.perform(post("/webhook").with(from("10.0.2.8"))).andExpect(status().isOk());
		this.mvc.perform(options("/webhook").with(from("10.0.2.8"))
			.header("Origin", "https://app.example")
			.header("Access-Control-Request-Method", "POST")).andExpect(status().isTooManyRequests());
	}

	@Test
	void spentQuotaThatNeverRefillsShouldSaySoInNumbersEveryParserTakes() throws Exception {
		this.mvc.perform(post("/once").with(from("10.0.2.9"))).andExpect(status().isOk());
		// "never" is sent as 2^31 - 1 seconds (68 years): within an RFC 8941 integer's 15 digits and a 32-bit int
		this.mvc.perform(post("/once").with(from("10.0.2.9")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "2147483647"))
			.andExpect(header().string("RateLimit", "\"once\";r=0;t=2147483647"))
			.andExpect(jsonPath("$.detail")
				.value("The rate limit of policy 'once' is exhausted for this client and does not refill."));
	}

	@Test
	void requestOverTheQuotaShouldBeRefusedWith429HeadersAndAProblem() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(get("/hello").with(from("10.0.2.1"))).andExpect(status().isOk());
		}
		this.mvc.perform(get("/hello").with(from("10.0.2.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "20"))
			.andExpect(header().string("RateLimit-Policy", "\"default\";q=3;w=60"))
			.andExpect(header().string("RateLimit", "\"default\";r=0;t=60"))
			.andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.type").doesNotExist())
			.andExpect(jsonPath("$.status").value(429))
			.andExpect(jsonPath("$.title").value("Too Many Requests"))
			.andExpect(jsonPath("$.detail").value(
					"The rate limit of policy 'default' is exhausted for this client; retry after 20 seconds."))
			.andExpect(jsonPath("$.instance").value("/hello"));
	}

	@Test
	void excludedPathsShouldNeverBeLimited() throws Exception {
		for (int i = 0; i < 10; i++) {
			this.mvc.perform(get("/public/page").with(from("10.0.3.1")))
				.andExpect(status().isOk())
				.andExpect(header().doesNotExist("RateLimit"));
			this.mvc.perform(get("/actuator/anything").with(from("10.0.3.1")))
				.andExpect(header().doesNotExist("RateLimit"))
				.andExpect((result) -> assertThat(result.getResponse().getStatus()).isNotEqualTo(429));
		}
	}

	@Test
	void namedPolicyShouldApplyItsOwnQuotaToItsPaths() throws Exception {
		for (int i = 0; i < 2; i++) {
			this.mvc.perform(post("/webhook").with(from("10.0.4.1")))
				.andExpect(status().isOk())
				.andExpect(header().string("RateLimit-Policy", "\"webhook\";q=2;w=60"));
		}
		this.mvc.perform(post("/webhook").with(from("10.0.4.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "30"))
			.andExpect(header().string("RateLimit", "\"webhook\";r=0;t=60"));
		// The same client still has its whole default quota elsewhere.
		this.mvc.perform(get("/hello").with(from("10.0.4.1")))
			.andExpect(status().isOk())
			.andExpect(header().string("RateLimit", "\"default\";r=2;t=20"));
	}

	@Test
	void ipKeyShouldGiveEachClientAddressItsOwnBucket() throws Exception {
		exhaust("/hello", "10.0.5.1", 3);
		this.mvc.perform(get("/hello").with(from("10.0.5.1"))).andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/hello").with(from("10.0.5.2"))).andExpect(status().isOk());
	}

	@Test
	void spoofedForwardedForHeaderShouldChangeNothingWithoutAForwardHeadersStrategy() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(get("/hello").with(from("10.0.6.1")).header("X-Forwarded-For", "192.0.2." + i))
				.andExpect(status().isOk());
		}
		this.mvc.perform(get("/hello").with(from("10.0.6.1")).header("X-Forwarded-For", "192.0.2.99"))
			.andExpect(status().isTooManyRequests());
	}

	@Test
	void headerKeyShouldGiveEachHeaderValueItsOwnBucket() throws Exception {
		for (int i = 0; i < 2; i++) {
			this.mvc.perform(get("/api/items").with(from("10.0.7." + i)).header("X-API-Key", "key-a"))
				.andExpect(status().isOk());
		}
		this.mvc.perform(get("/api/items").with(from("10.0.7.9")).header("X-API-Key", "key-a"))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("RateLimit-Policy", "\"api\";q=2;w=60"));
		this.mvc.perform(get("/api/items").with(from("10.0.7.0")).header("X-API-Key", "key-b"))
			.andExpect(status().isOk());
	}

	@Test
	void authorizationKeyShouldBeOneClientWhateverTheCaseOfItsSchemeAndTheBlanksAroundIt() throws Exception {
		String credentials = "Ym9iOnNlY3JldA==";
		this.mvc.perform(get("/token/a").with(from("10.0.9.1")).header("Authorization", "Basic " + credentials))
			.andExpect(status().isOk());
		this.mvc.perform(get("/token/a").with(from("10.0.9.2")).header("Authorization", "basic  " + credentials))
			.andExpect(status().isOk());
		for (String spelling : new String[] { "BASIC " + credentials, "bAsIc\t" + credentials + " " }) {
			this.mvc.perform(get("/token/a").with(from("10.0.9.3")).header("Authorization", spelling))
				.andExpect(status().isTooManyRequests());
		}
		// The credentials themselves are compared exactly: another spelling of them is another client.
		this.mvc.perform(get("/token/a").with(from("10.0.9.4"))
			.header("Authorization", "Basic " + credentials.toLowerCase(Locale.ROOT))).andExpect(status().isOk());
	}

	@Test
	void oneBasicCredentialShouldBeOneClientHoweverItsBase64IsSpelled() throws Exception {
		// A Base64 decoder takes these as the same user and password: padding is optional, and the unused bits of
		// the last digit are ignored.
		String[] sameCredential = { "ZGF2ZTp4eA", "ZGF2ZTp4eB==", "ZGF2ZTp4eP" };
		for (String spelling : sameCredential) {
			assertThat(new String(Base64.getDecoder().decode(spelling), StandardCharsets.UTF_8)).isEqualTo("dave:xx");
		}
		for (String address : new String[] { "10.0.10.1", "10.0.10.2" }) {
			this.mvc.perform(get("/token/b").with(from(address)).header("Authorization", "Basic ZGF2ZTp4eA=="))
				.andExpect(status().isOk());
		}
		for (String spelling : sameCredential) {
			this.mvc.perform(get("/token/b").with(from("10.0.10.3")).header("Authorization", "Basic " + spelling))
				.andExpect(status().isTooManyRequests());
		}
		// Spring Security reads Basic credentials from the seventh character on, whatever the sixth is
		for (String spelling : new String[] { "Basic:ZGF2ZTp4eA==", "basic,ZGF2ZTp4eA", "BASICxZGF2ZTp4eA==" }) {
			this.mvc.perform(get("/token/b").with(from("10.0.10.4")).header("Authorization", spelling))
				.andExpect(status().isTooManyRequests());
		}
	}

	@Test
	void authorizationValueWithoutASchemeShouldBeComparedExactly() throws Exception {
		// a bare API key sent as the whole value: keys that differ in case are different credentials
		for (String address : new String[] { "10.0.11.1", "10.0.11.2" }) {
			this.mvc.perform(get("/token/c").with(from(address)).header("Authorization", "Key9QmZxAbC"))
				.andExpect(status().isOk());
		}
		this.mvc.perform(get("/token/c").with(from("10.0.11.3")).header("Authorization", "Key9QmZxAbC"))
			.andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/token/c").with(from("10.0.11.4")).header("Authorization", "key9qmzxabc"))
			.andExpect(status().isOk());
	}

	@Test
	void headerKeyShouldFallBackToTheClientAddressWithoutTheHeader() throws Exception {
		exhaust("/api/items", "10.0.8.1", 2);
		this.mvc.perform(get("/api/items").with(from("10.0.8.1"))).andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/api/items").with(from("10.0.8.2"))).andExpect(status().isOk());
		// A header value equal to an exhausted address is a different key.
		this.mvc.perform(get("/api/items").with(from("10.0.8.3")).header("X-API-Key", "10.0.8.1"))
			.andExpect(status().isOk());
	}

	@Test
	void principalKeyShouldGiveEachUserItsOwnBucketWhateverTheAddress() throws Exception {
		for (int i = 0; i < 2; i++) {
			this.mvc.perform(get("/me/profile").with(from("10.0.9." + i)).principal(() -> "alice"))
				.andExpect(status().isOk());
		}
		this.mvc.perform(get("/me/profile").with(from("10.0.9.7")).principal(() -> "alice"))
			.andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/me/profile").with(from("10.0.9.7")).principal(() -> "bob"))
			.andExpect(status().isOk());
	}

	@Test
	void principalKeyShouldFallBackToTheClientAddressForAnonymousRequests() throws Exception {
		exhaust("/me/profile", "10.0.10.1", 2);
		this.mvc.perform(get("/me/profile").with(from("10.0.10.1"))).andExpect(status().isTooManyRequests());
		this.mvc.perform(get("/me/profile").with(from("10.0.10.1")).principal(() -> "carol"))
			.andExpect(status().isOk());
	}

	@Test
	void authenticatedPrincipalWithoutANameShouldBeKeyedByAddressAndSaidSo(CapturedOutput output) throws Exception {
		// an empty name was a key of its own, one bucket for every nameless client wherever it came from
		this.mvc.perform(get("/me/profile").with(from("10.0.12.1")).principal(() -> "")).andExpect(status().isOk());
		this.mvc.perform(get("/me/profile").with(from("10.0.12.2")).principal(() -> null)).andExpect(status().isOk());
		this.mvc.perform(get("/me/profile").with(from("10.0.12.3")).principal(() -> "")).andExpect(status().isOk());
		this.mvc.perform(get("/me/profile").with(from("10.0.12.3")).principal(() -> ""))
			.andExpect(status().isOk());
		this.mvc.perform(get("/me/profile").with(from("10.0.12.3")).principal(() -> null))
			.andExpect(status().isTooManyRequests());
		assertThat(output.getOut().split("keys clients by principal, but an authenticated principal", -1))
			.as("one WARN line, and one more part").hasSize(2);
	}

	@Test
	void floodOfNewClientsShouldResetNoExhaustedClientAndKeepTheTableBounded() throws Exception {
		this.mvc.perform(get("/flood").with(from("10.0.11.1"))).andExpect(status().isOk());
		this.mvc.perform(get("/flood").with(from("10.0.11.1"))).andExpect(status().isTooManyRequests());
		for (int i = 0; i < 500; i++) {
			this.mvc.perform(get("/flood").with(from("10.1." + (i / 250) + "." + (i % 250))));
		}
		this.mvc.perform(get("/flood").with(from("10.0.11.1"))).andExpect(status().isTooManyRequests());
		assertThat(this.policies.find("flood").orElseThrow().trackedKeys()).hasValue(50);
		assertThat(this.meterRegistry.get(RateLimitMetrics.KEYS).tag("policy", "flood").gauge().value())
			.isEqualTo(50);
	}

	@Test
	void outcomesShouldBeCountedPerPolicy() throws Exception {
		exhaust("/metered", "10.0.12.1", 2);
		this.mvc.perform(get("/metered").with(from("10.0.12.1"))).andExpect(status().isTooManyRequests());
		assertThat(count("metered", "allowed")).isEqualTo(2);
		assertThat(count("metered", "rejected")).isEqualTo(1);
		assertThat(count("metered", "error")).isZero();
		assertThat(this.meterRegistry.get(RateLimitMetrics.KEYS).tag("policy", "metered").gauge().value())
			.isEqualTo(1);
	}

	@Test
	void policiesShouldBeListedWithTheirQuotaPathsAndKey() {
		assertThat(this.policies.all()).extracting(RateLimitPolicyRegistration::name)
			.containsExactly("webhook", "api", "token", "me", "flood", "metered", "once", "default");
	}

	private void exhaust(String path, String address, int quota) throws Exception {
		for (int i = 0; i < quota; i++) {
			this.mvc.perform(get(path).with(from(address))).andExpect(status().isOk());
		}
	}

	private double count(String policy, String outcome) {
		return this.meterRegistry.get(RateLimitMetrics.REQUESTS)
			.tag("policy", policy)
			.tag("outcome", outcome)
			.counter()
			.count();
	}

}
