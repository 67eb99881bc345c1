package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Which policy the rate-limit filter picks for a request path, through the filter chain the auto-configuration
 * registers: encoded and matrix-parameter paths are matched on what they decode to, so that no spelling of a limited
 * path slips past its limit; trailing slashes, case and context paths are as Spring's path patterns see them; the
 * first matching policy wins. Every test uses client addresses of its own, since the limiters live as long as the
 * context.
 */
@SpringBootTest(classes = RateLimitTestApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=5", "zeroclaw.resilience.rate-limit.window=1m",
				"zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.include-paths=/hello,/docs/**,/health",
				"zeroclaw.resilience.rate-limit.exclude-paths=/public/**,/health",
				"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
				"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.orders.paths=/orders/**",
				"zeroclaw.resilience.rate-limit.policies.special.paths=/orders/special,/special",
				"zeroclaw.resilience.rate-limit.policies.exact.paths=/items/exact",
				"zeroclaw.resilience.rate-limit.policies.items.paths=/catalog,/items/*",
				"zeroclaw.resilience.rate-limit.policies.pub.paths=/public/**,/publicity",
				"zeroclaw.resilience.rate-limit.policies.relative.paths=relative/**,reports" })
@AutoConfigureMockMvc
class RateLimitFilterPathMatchingIntegrationTests {

	private final AtomicInteger clients = new AtomicInteger();

	@Autowired
	private MockMvc mvc;

	@Test
	void percentEncodedSpellingOfALimitedPathShouldShareItsLimit() throws Exception {
		this.mvc.perform(post("/webhook").with(from("10.2.1.1"))).andExpect(status().isOk());
		this.mvc.perform(post(URI.create("/web%68ook")).with(from("10.2.1.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("RateLimit-Policy", "\"webhook\";q=1;w=60"));
	}

	@Test
	void pathWithMatrixParametersShouldShareTheLimitOfThePathWithout() throws Exception {
		this.mvc.perform(post("/webhook").with(from("10.2.2.1"))).andExpect(status().isOk());
		this.mvc.perform(post(URI.create("/webhook;x=1")).with(from("10.2.2.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("RateLimit-Policy", "\"webhook\";q=1;w=60"));
	}

	@Test
	void encodedSpellingShouldBeLimitedEvenWhenItComesFirst() throws Exception {
		this.mvc.perform(post(URI.create("/w%65bhook")).with(from("10.2.3.1"))).andExpect(status().isOk());
		this.mvc.perform(post("/webhook").with(from("10.2.3.1"))).andExpect(status().isTooManyRequests());
	}

	@Test
	void literalPolicyPathShouldNotMatchItsSpellingWithATrailingSlash() throws Exception {
		assertThat(policyOf(post("/webhook/"))).isNull();
	}

	@Test
	void literalPolicyPathShouldNotMatchADoubledSlashOrAnotherCase() throws Exception {
		assertThat(policyOf(post("//webhook"))).isNull();
		assertThat(policyOf(post("/WEBHOOK"))).isNull();
		assertThat(policyOf(post("/webhook/x"))).isNull();
		assertThat(policyOf(post("/webhookx"))).isNull();
	}

	@Test
	void encodedSlashShouldNotMatchALiteralPath() throws Exception {
		assertThat(policyOf(post(URI.create("/webhook%2F")))).isNull();
	}

	@Test
	void excludedLiteralPathShouldNeverBeLimitedInAnySpelling() throws Exception {
		for (int i = 0; i < 10; i++) {
			assertThat(policyOf(get("/health"))).isNull();
			assertThat(policyOf(get(URI.create("/heal%74h")))).isNull();
			assertThat(policyOf(get(URI.create("/health;v=1")))).isNull();
		}
	}

	@Test
	void excludedPathPrefixShouldNeverBeLimitedInAnySpellingEvenWhenAPolicyClaimsIt() throws Exception {
		for (int i = 0; i < 10; i++) {
			assertThat(policyOf(get("/public"))).isNull();
			assertThat(policyOf(get("/public/page"))).isNull();
			assertThat(policyOf(get(URI.create("/pub%6Cic/page")))).isNull();
			assertThat(policyOf(get(URI.create("/public;x/page")))).isNull();
		}
		assertThat(policyOf(get("/publicity"))).isEqualTo("pub");
	}

	@Test
	void pathPrefixPatternShouldMatchThePrefixAndWhatIsUnderItOnly() throws Exception {
		assertThat(policyOf(get("/docs"))).isEqualTo("default");
		assertThat(policyOf(get("/docs/"))).isEqualTo("default");
		assertThat(policyOf(get("/docs/a/b"))).isEqualTo("default");
		assertThat(policyOf(get(URI.create("/do%63s/a")))).isEqualTo("default");
		assertThat(policyOf(get("/docsx"))).isNull();
		assertThat(policyOf(get("//docs/a"))).isNull();
	}

	@Test
	void literalIncludePathShouldFallToTheDefaultPolicy() throws Exception {
		assertThat(policyOf(get("/hello"))).isEqualTo("default");
		assertThat(policyOf(get(URI.create("/hell%6F")))).isEqualTo("default");
		assertThat(policyOf(get("/docs/a/b"))).isEqualTo("default");
		assertThat(policyOf(get("/elsewhere"))).isNull();
	}

	@Test
	void wildcardPolicyDeclaredFirstShouldWinOverALiteralOneDeclaredLater() throws Exception {
		assertThat(policyOf(get("/orders/special"))).isEqualTo("orders");
		assertThat(policyOf(get("/special"))).isEqualTo("special");
	}

	@Test
	void literalPolicyDeclaredFirstShouldWinOverAWildcardOneDeclaredLater() throws Exception {
		assertThat(policyOf(get("/items/exact"))).isEqualTo("exact");
		assertThat(policyOf(get("/items/other"))).isEqualTo("items");
	}

	@Test
	void patternWithoutALeadingSlashShouldMatchAsIfItHadOne() throws Exception {
		// as Spring MVC reads @RequestMapping("reports"): a pattern that could never match a path is not what was meant
		assertThat(policyOf(get("/reports"))).isEqualTo("relative");
		assertThat(policyOf(get("/relative/any/thing"))).isEqualTo("relative");
	}

	@Test
	void policyWithLiteralAndWildcardPathsShouldMatchBoth() throws Exception {
		assertThat(policyOf(get("/catalog"))).isEqualTo("items");
		assertThat(policyOf(get(URI.create("/cat%61log")))).isEqualTo("items");
		assertThat(policyOf(get("/items/any"))).isEqualTo("items");
		assertThat(policyOf(get("/catalog/any"))).isNull();
	}

	@Test
	void pathShouldBeMatchedWithinTheContextPath() throws Exception {
		assertThat(policyOf(post("/app/webhook").contextPath("/app"))).isEqualTo("webhook");
		assertThat(policyOf(post(URI.create("/app/web%68ook")).contextPath("/app"))).isEqualTo("webhook");
		assertThat(policyOf(get("/app/items/exact").contextPath("/app"))).isEqualTo("exact");
		assertThat(policyOf(get("/app").contextPath("/app"))).isNull();
		assertThat(policyOf(post("/webhook/webhook").contextPath("/webhook"))).isEqualTo("webhook");
	}

	@Test
	void contextPathShouldBeTheOnlyPrefixLeftOut() throws Exception {
		assertThat(policyOf(post("/app/svc/webhook").contextPath("/app").servletPath("/svc"))).isNull();
		assertThat(policyOf(post("/svc/webhook").servletPath("/svc"))).isNull();
	}

	@Test
	void limitedPathUnderAContextPathShouldShareItsLimitWithItsEncodedSpelling() throws Exception {
		this.mvc.perform(post("/app/webhook").contextPath("/app").with(from("10.2.4.1"))).andExpect(status().isOk());
		this.mvc.perform(post(URI.create("/app/webho%6Fk")).contextPath("/app").with(from("10.2.4.1")))
			.andExpect(status().isTooManyRequests());
	}

	/**
	 * The policy the filter applied to the request, from its {@code RateLimit-Policy} header, or {@code null}. Each
	 * call comes from a new client address, so that no quota runs out across calls.
	 */
	private String policyOf(MockHttpServletRequestBuilder request) throws Exception {
		int client = this.clients.incrementAndGet();
		String header = this.mvc.perform(request.with(from("10.3." + (client / 250) + "." + (client % 250))))
			.andExpect((result) -> assertThat(result.getResponse().getStatus()).isEqualTo(200))
			.andReturn()
			.getResponse()
			.getHeader("RateLimit-Policy");
		return (header != null) ? header.substring(1, header.indexOf('"', 1)) : null;
	}

}
