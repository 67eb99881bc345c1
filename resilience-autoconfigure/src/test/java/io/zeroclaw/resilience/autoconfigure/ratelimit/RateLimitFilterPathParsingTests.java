package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponseWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.ParameterizedTest;

import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rate-limit filter parses a request path only when a plain comparison with its literal and path-prefix patterns
 * cannot decide, and still limits every spelling of a limited path.
 */
class RateLimitFilterPathParsingTests {

	private final AtomicInteger parses = new AtomicInteger();

	private final RateLimitFilter filter = filter(List.of("/health"), "/hello", "/docs/*");

	@Test
	void plainRequestToALiteralPathShouldBeLimitedWithoutParsingItsPath() throws Exception {
		MockHttpServletResponse first = perform("/webhook", "10.4.1.1");
		assertThat(first.getStatus()).isEqualTo(200);
		assertThat(first.getHeader("RateLimit")).isEqualTo("\"webhook\";r=0;t=60");
		assertThat(perform("/webhook", "10.4.1.1").getStatus()).isEqualTo(429);
		assertThat(perform("/health", "10.4.1.1").getHeader("RateLimit")).isNull();
		assertThat(this.parses).hasValue(0);
	}

	@Test
	void encodedSpellingOfALimitedPathShouldBeParsedAndLimited() throws Exception {
		assertThat(perform("/webhook", "10.4.2.1").getStatus()).isEqualTo(200);
		assertThat(perform("/web%68ook", "10.4.2.1").getStatus()).isEqualTo(429);
		assertThat(perform("/webhook;x=1", "10.4.2.1").getStatus()).isEqualTo(429);
		assertThat(this.parses).hasValue(2);
	}

	@Test
	void plainRequestShouldBeParsedOnceWhenOnlyAWildcardPatternCanMatchIt() throws Exception {
		assertThat(perform("/docs/guide", "10.4.3.1").getHeader("RateLimit-Policy"))
			.isEqualTo("\"default\";q=5;w=60");
		assertThat(this.parses).hasValue(1);
	}

	@Test
	void defaultExclusionAndIncludeShouldLeaveEveryPlainPathUnparsed() throws Exception {
		RateLimitFilter filter = filter(List.of("/actuator/**"), "/**");
		assertThat(perform(filter, "/webhook", "10.4.4.1").getHeader("RateLimit-Policy"))
			.isEqualTo("\"webhook\";q=1;w=60");
		assertThat(perform(filter, "/hello", "10.4.4.1").getHeader("RateLimit-Policy"))
			.isEqualTo("\"default\";q=5;w=60");
		assertThat(perform(filter, "/actuator/health", "10.4.4.1").getHeader("RateLimit")).isNull();
		assertThat(perform(filter, "/actuator", "10.4.4.1").getHeader("RateLimit")).isNull();
		assertThat(perform(filter, "/actuators", "10.4.4.1").getHeader("RateLimit-Policy"))
			.isEqualTo("\"default\";q=5;w=60");
		assertThat(this.parses).hasValue(0);
		assertThat(perform(filter, "/%61ctuator/health", "10.4.4.1").getHeader("RateLimit")).isNull();
		assertThat(this.parses).hasValue(1);
	}

	@Test
	void requestThatIsNotAnHttpRequestShouldGoOnUnlimited() throws Exception {
		ServletRequest request = new ServletRequestWrapper(new MockHttpServletRequest("POST", "/webhook"));
		MockFilterChain chain = new MockFilterChain();
		this.filter.doFilter(request, new ServletResponseWrapper(new MockHttpServletResponse()), chain);
		assertThat(chain.getRequest()).isSameAs(request);
	}

	private RateLimitFilter filter(List<String> excludePaths, String... includePaths) {
		return new RateLimitFilter(
				new RateLimitPolicies(List.of(registration("webhook", 1, "/webhook")),
						registration(RateLimitPolicies.DEFAULT_POLICY, 5, includePaths), excludePaths),
				null, null, true, (requestUri, contextPath) -> {
					this.parses.incrementAndGet();
					return PathRouter.PathParser.REQUEST_PATH.pathWithinApplication(requestUri, contextPath);
				});
	}

	private MockHttpServletResponse perform(String requestUri, String address) throws Exception {
		return perform(this.filter, requestUri, address);
	}

	private static MockHttpServletResponse perform(RateLimitFilter filter, String requestUri, String address)
			throws Exception {
		MockHttpServletRequest request = new MockHttpServletRequest("POST", requestUri);
		request.setRemoteAddr(address);
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request, response, new MockFilterChain());
		return response;
	}

	private static RateLimitPolicyRegistration registration(String name, long requestsPerWindow, String... paths) {
		RateLimitPolicy policy = new RateLimitPolicy(name, requestsPerWindow, Duration.ofMinutes(1), 0);
		return new RateLimitPolicyRegistration(policy, List.of(paths), KeyType.IP, null,
				new LocalRateLimiter(policy, 100, () -> 42L));
	}

	@ParameterizedTest
	@CsvSource({ "/webhook, /webhook", "//webhook, /webhook", "/a//b/, /a/b/", "/a/./b, /a/b", "/a/../b, /b",
			"/../../b, /b", "/a/.., /", "/a/., /a/", "/, /", "//, /", "/.well-known/x, /.well-known/x",
			"/a/..b/c, /a/..b/c", "/a/b/../../../c/, /c/" })
	void servedPathShouldBeResolvedAsAServerResolvesIt(String path, String resolved) {
		assertThat(RateLimitFilter.normalize(path)).isEqualTo(resolved);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/webhook", "/a/b-c/d_e", "/api/v1/items/42", "/a.b/c." })
	void plainUrisShouldBeMatchedOnceAsSpelled(String uri) {
		assertThat(RateLimitFilter.mayNameAnotherPath(uri)).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "//webhook", "/a/../b", "/./a", "/a%2e", "/a;x=1", "/a\\b", "/.well-known/x" })
	void urisThatAServerMayRespellShouldAlsoBeMatchedAsServed(String uri) {
		assertThat(RateLimitFilter.mayNameAnotherPath(uri)).isTrue();
	}

	@ParameterizedTest
	@CsvSource({ "/api%2Fchat, true", "/api%2fchat, true", "/a%5Cb, true", "/a%5cb, true", "/a%20b, false",
			"/a%2, false", "/a%, false", "/%252F, false", "/webhook, false" })
	void encodedSeparatorsShouldBeFoundInEitherCase(String uri, boolean found) {
		assertThat(RateLimitFilter.holdsEncodedSeparator(uri)).isEqualTo(found);
	}

}
