package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * What a policy of the application's own puts in the {@code RateLimit} and {@code RateLimit-Policy} headers, whose
 * values are structured fields (RFC 9651): a name goes out as a string, which holds printable ASCII only (the
 * properties are checked for that at start-up; on the wire a server sends a Latin-1 letter as a raw byte, an invalid
 * field, and drops the header of every answer for a character beyond Latin-1 or a line break), and a count as an
 * integer of at most 15 digits.
 */
class RateLimitFilterHeaderValuesTests {

	@ParameterizedTest
	@ValueSource(strings = { "caf\u00e9", "euro \u20ac", "chat\r\nX-Injected: yes", "tab\tname" })
	void policyNameNoStructuredFieldStringCanHoldShouldBeRefusedWhenItsRegistrationIsMade(String name) {
		assertThatIllegalArgumentException().isThrownBy(() -> filter(name))
			.withMessageContaining("RateLimit")
			.withMessageContaining("printable ASCII");
	}

	@Test
	void policyNameWithAQuoteAndABackslashShouldBeSentEscaped() throws Exception {
		RateLimitFilter filter = filter("a\"b\\c");
		filter.doFilter(request(), new MockHttpServletResponse(), new MockFilterChain());
		MockHttpServletResponse refused = new MockHttpServletResponse();
		filter.doFilter(request(), refused, new MockFilterChain());
		assertThat(refused.getStatus()).isEqualTo(429);
		assertThat(refused.getHeader("RateLimit-Policy")).isEqualTo("\"a\\\"b\\\\c\";q=1;w=60");
		assertThat(refused.getHeader("RateLimit")).isEqualTo("\"a\\\"b\\\\c\";r=0;t=60");
	}

	@Test
	void remainingCountOfALimiterOfOurOwnAboveFifteenDigitsShouldBeSentAsTheLargestStructuredFieldInteger()
			throws Exception {
		RateLimitPolicy policy = new RateLimitPolicy("generous", 1, Duration.ofMinutes(1), 0);
		RateLimiter generous = (key, permits) -> new RateLimitDecision(true, Long.MAX_VALUE, Long.MAX_VALUE,
				Duration.ZERO, Duration.ZERO);
		RateLimitPolicyRegistration own = new RateLimitPolicyRegistration(policy, List.of("/**"), KeyType.IP, null,
				generous, null);
		RateLimitFilter filter = new RateLimitFilter(new RateLimitPolicies(List.of(), own, List.of()), null, null,
				true);
		MockHttpServletResponse allowed = new MockHttpServletResponse();
		filter.doFilter(request(), allowed, new MockFilterChain());
		assertThat(allowed.getStatus()).isEqualTo(200);
		assertThat(allowed.getHeader("RateLimit")).isEqualTo("\"generous\";r=999999999999999;t=0");
	}

	private static RateLimitFilter filter(String name) {
		RateLimitPolicy policy = new RateLimitPolicy(name, 1, Duration.ofMinutes(1), 0);
		RateLimitPolicyRegistration own = new RateLimitPolicyRegistration(policy, List.of("/**"), KeyType.IP, null,
				new LocalRateLimiter(policy, 100, () -> 42L), null);
		return new RateLimitFilter(new RateLimitPolicies(List.of(), own, List.of()), null, null, true);
	}

	private static MockHttpServletRequest request() {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/chat");
		request.setRemoteAddr("10.0.9.1");
		return request;
	}

}
