package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.zeroclaw.resilience.autoconfigure.web.RetryAfter;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

import static io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitTestApplication.from;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The {@code RateLimit-Policy} header end to end, through the filter chain the auto-configuration registers, for
 * policies whose window the header cannot carry as it is: a quota that never refills, and windows that are not a
 * whole number of seconds. Limiters run on a clock the tests move.
 */
@SpringBootTest(classes = RateLimitTestApplication.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.include-paths=",
				"zeroclaw.resilience.rate-limit.policies.once.paths=/once",
				"zeroclaw.resilience.rate-limit.policies.once.requests-per-window=0",
				"zeroclaw.resilience.rate-limit.policies.once.burst=1",
				"zeroclaw.resilience.rate-limit.policies.tenth.paths=/tenth",
				"zeroclaw.resilience.rate-limit.policies.tenth.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.tenth.window=100ms",
				"zeroclaw.resilience.rate-limit.policies.tenth.burst=0",
				"zeroclaw.resilience.rate-limit.policies.sesqui.paths=/sesqui",
				"zeroclaw.resilience.rate-limit.policies.sesqui.requests-per-window=3",
				"zeroclaw.resilience.rate-limit.policies.sesqui.window=1500ms",
				"zeroclaw.resilience.rate-limit.policies.sesqui.burst=0" })
@AutoConfigureMockMvc
class RateLimitPolicyHeaderIntegrationTests {

	private static final Pattern POLICY = Pattern.compile("\"[^\"]*\";q=(\\d+)(?:;w=(\\d+))?");

	@Autowired
	private MockMvc mvc;

	@Autowired
	private RateLimitTestApplication.FrozenClock clock;

	@Test
	void quotaThatNeverRefillsShouldNotBeAdvertisedAsRenewedEveryWindow() throws Exception {
		String policy = this.mvc.perform(post("/once").with(from("10.9.0.1")))
			.andExpect(status().isOk())
			// the same response says the bucket is never full again
			.andExpect(header().string("RateLimit", "\"once\";r=0;t=" + RetryAfter.MAX_SECONDS))
			.andReturn()
			.getResponse()
			.getHeader("RateLimit-Policy");
		// The spent quota stays spent: a client that waits the advertised window is refused all the same.
		this.clock.advance(Duration.ofMinutes(1));
		this.mvc.perform(post("/once").with(from("10.9.0.1")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", Long.toString(RetryAfter.MAX_SECONDS)));
		// a quota with no window to renew it in: RateLimit-Policy has no w
		assertThat(policy).isEqualTo("\"once\";q=1");
	}

	@Test
	void subSecondWindowShouldBeAdvertisedAtTheRateItIsEnforced() throws Exception {
		// 1 request per 100 ms, burst 0: ten requests a second, each 100 ms after the last, are all allowed
		String policy = null;
		for (int i = 0; i < 10; i++) {
			policy = this.mvc.perform(post("/tenth").with(from("10.9.1.1")))
				.andExpect(status().isOk())
				.andReturn()
				.getResponse()
				.getHeader("RateLimit-Policy");
			this.clock.advance(Duration.ofMillis(100));
		}
		assertAdvertisedRate(policy, 10.0);
	}

	@Test
	void windowThatIsNotAWholeNumberOfSecondsShouldBeAdvertisedAtTheRateItIsEnforced() throws Exception {
		// 3 requests per 1.5 s, burst 0: two a second
		String policy = this.mvc.perform(post("/sesqui").with(from("10.9.2.1")))
			.andExpect(status().isOk())
			.andReturn()
			.getResponse()
			.getHeader("RateLimit-Policy");
		assertAdvertisedRate(policy, 2.0);
	}

	/** With burst 0, q per w seconds is the policy's rate: what a client that paces itself by the header can send. */
	private static void assertAdvertisedRate(String policy, double enforcedPerSecond) {
		Matcher matcher = POLICY.matcher(policy);
		assertThat(matcher.matches()).as(policy).isTrue();
		double q = Double.parseDouble(matcher.group(1));
		double w = Double.parseDouble(matcher.group(2));
		assertThat(q / w).as("requests per second advertised by RateLimit-Policy '%s'; the limiter enforces %s a second",
				policy, enforcedPerSecond).isEqualTo(enforcedPerSecond);
	}

}
