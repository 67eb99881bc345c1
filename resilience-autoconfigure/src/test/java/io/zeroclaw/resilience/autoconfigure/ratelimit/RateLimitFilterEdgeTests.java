package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.cors.CorsConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Edges that a filter called directly reaches: CORS headers on the {@code 400} of a path that does not parse, a
 * keyless preflight under a CORS configuration that CORS itself refuses, a resolver's empty key on a preflight, an
 * error page with a message asked for by a rejection handler, and application code the filter calls (a key resolver,
 * a rejection handler, a principal's name) that throws.
 */
class RateLimitFilterEdgeTests {

	private static final String APP = "https://app.example";

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	@Test
	void pathThatDoesNotParseShouldBeRefusedWithTheCorsHeadersOfAConfigurationForEveryPath() throws Exception {
		// a configuration for every request, as a Spring Security cors() source often is: the page can read the 400
		RateLimitFilter filter = filter(KeyType.IP, null, null);
		filter.setCorsConfigurationSources(() -> List.of((request) -> cors()));
		MockHttpServletRequest request = request("GET", "/api/%zz", "10.5.1.1");
		request.addHeader("Origin", APP);
		MockHttpServletResponse response = new MockHttpServletResponse();
		MockFilterChain chain = new MockFilterChain();
		filter.doFilter(request, response, chain);
		assertThat(response.getStatus()).isEqualTo(400);
		assertThat(response.getHeader("Access-Control-Allow-Origin")).isEqualTo(APP);
		assertThat(chain.getRequest()).isNull();
	}

	@Test
	void keylessPreflightUnderACorsConfigurationThatCorsRefusesShouldBeForbiddenAndGoNoFurther() throws Exception {
		// credentials with origin '*': refused, as Spring MVC refuses it, rather than answered 200 without CORS headers
		CorsConfiguration invalid = new CorsConfiguration();
		invalid.addAllowedOrigin("*");
		invalid.addAllowedMethod("POST");
		invalid.setAllowCredentials(true);
		RateLimitFilter filter = filter(KeyType.HEADER, null, null);
		filter.setCorsConfigurationSources(() -> List.of((request) -> invalid));
		MockFilterChain chain = new MockFilterChain();
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(preflight("10.5.2.1"), response, chain);
		assertThat(response.getStatus()).isEqualTo(403);
		assertThat(chain.getRequest()).isNull();
	}

	@Test
	void preflightForWhichTheResolverFindsAnEmptyKeyShouldNotSpendTheTokensOfItsAddress() throws Exception {
		RateLimitKeyResolver resolver = (request, policy) -> {
			String key = request.getHeader("X-API-Key");
			return (key != null) ? "key:" + key : "";
		};
		RateLimitFilter filter = filter(KeyType.IP, resolver, null);
		filter.setCorsConfigurationSources(() -> List.of((request) -> cors()));
		for (int i = 0; i < 3; i++) {
			MockHttpServletResponse preflight = new MockHttpServletResponse();
			filter.doFilter(preflight("10.5.3.1"), preflight, new MockFilterChain());
			assertThat(preflight.getStatus()).isEqualTo(200);
			assertThat(preflight.getHeader("RateLimit")).isNull();
		}
		MockHttpServletRequest keyless = request("POST", "/api/chat", "10.5.3.1");
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(keyless, response, new MockFilterChain());
		assertThat(response.getStatus()).as("the address's own token is still there").isEqualTo(200);
	}

	@Test
	void errorPageWithAMessageAskedForByTheRejectionHandlerShouldBeSentOnceTheHandlerReturns() throws Exception {
		RateLimitFilter filter = filter(KeyType.IP, null,
				(request, response, policy, problem) -> response.sendError(429, "slow down"));
		filter.doFilter(request("POST", "/api/chat", "10.5.4.1"), new MockHttpServletResponse(), new MockFilterChain());
		MockHttpServletResponse refused = new MockHttpServletResponse();
		filter.doFilter(request("POST", "/api/chat", "10.5.4.1"), refused, new MockFilterChain());
		assertThat(refused.getStatus()).isEqualTo(429);
		assertThat(refused.getErrorMessage()).isEqualTo("slow down");
		assertThat(refused.getContentAsString()).as("the error page writes the body, not the filter").isEmpty();
	}

	@Test
	void resolverThatIsInterruptedShouldLetTheRequestThroughAndLeaveTheThreadInterrupted() throws Exception {
		RateLimitKeyResolver resolver = (request, policy) -> {
			throw sneaky(new InterruptedException("interrupted while looking the tenant up"));
		};
		RateLimitFilter filter = filter(KeyType.IP, resolver, null);
		MockFilterChain chain = new MockFilterChain();
		filter.doFilter(request("POST", "/api/chat", "10.6.1.1"), new MockHttpServletResponse(), chain);
		assertThat(chain.getRequest()).as("let through").isNotNull();
		assertThat(Thread.currentThread().isInterrupted()).as("interrupt kept").isTrue();
	}

	@Test
	void rejectionHandlerThatIsInterruptedShouldSendTheProblemAndLeaveTheThreadInterrupted() throws Exception {
		RateLimitFilter filter = filter(KeyType.IP, null, (request, response, policy, problem) -> {
			throw sneaky(new InterruptedException("interrupted while writing the refusal"));
		});
		filter.doFilter(request("POST", "/api/chat", "10.6.2.1"), new MockHttpServletResponse(), new MockFilterChain());
		MockHttpServletResponse refused = new MockHttpServletResponse();
		filter.doFilter(request("POST", "/api/chat", "10.6.2.1"), refused, new MockFilterChain());
		assertThat(refused.getStatus()).isEqualTo(429);
		assertThat(Thread.currentThread().isInterrupted()).as("interrupt kept").isTrue();
	}

	@Test
	void preflightOfAPrincipalWhoseNameThrowsShouldNotFailTheRequest() throws Exception {
		RateLimitFilter filter = filter(KeyType.PRINCIPAL, null, null);
		filter.setCorsConfigurationSources(() -> List.of((request) -> cors()));
		MockHttpServletRequest preflight = preflight("10.6.3.1");
		preflight.setUserPrincipal(new Principal() {

			@Override
			public String getName() {
				throw new IllegalStateException("token has no subject");
			}

		});
		MockHttpServletResponse response = new MockHttpServletResponse();
		MockFilterChain chain = new MockFilterChain();
		assertThatNoException().isThrownBy(() -> filter.doFilter(preflight, response, chain));
		assertThat(chain.getRequest()).as("let through, as the same principal on a POST is").isNotNull();
	}

	@Test
	void preflightOfAPrincipalWhoseNameThrowsACheckedExceptionShouldNotFailTheRequest() throws Exception {
		// a Kotlin principal: its getName() throws what Java calls a checked exception; a POST of it is let through
		RateLimitFilter filter = filter(KeyType.PRINCIPAL, null, null);
		filter.setCorsConfigurationSources(() -> List.of((request) -> cors()));
		MockHttpServletRequest preflight = preflight("10.6.5.1");
		preflight.setUserPrincipal(new Principal() {

			@Override
			public String getName() {
				throw sneaky(new IOException("the token introspection endpoint is unreachable"));
			}

		});
		MockFilterChain chain = new MockFilterChain();
		assertThatNoException().isThrownBy(() -> filter.doFilter(preflight, new MockHttpServletResponse(), chain));
		assertThat(chain.getRequest()).as("let through, as the same principal on a POST is").isNotNull();
	}

	@Test
	void preflightOfARequestWhosePrincipalCannotBeReadShouldNotFailTheRequest() throws Exception {
		// a request wrapper whose getUserPrincipal() throws: a POST of it is let through, counted as an error
		RateLimitFilter filter = filter(KeyType.PRINCIPAL, null, null);
		filter.setCorsConfigurationSources(() -> List.of((request) -> cors()));
		HttpServletRequest preflight = new HttpServletRequestWrapper(
				preflight("10.6.6.1")) {

			@Override
			public Principal getUserPrincipal() {
				throw new IllegalStateException("no security context for this thread");
			}

		};
		MockFilterChain post = new MockFilterChain();
		MockHttpServletRequest postRequest = request("POST", "/api/chat", "10.6.6.1");
		assertThatNoException().isThrownBy(() -> filter.doFilter(new HttpServletRequestWrapper(
				postRequest) {

			@Override
			public Principal getUserPrincipal() {
				throw new IllegalStateException("no security context for this thread");
			}

		}, new MockHttpServletResponse(), post));
		assertThat(post.getRequest()).as("the POST is let through").isNotNull();
		MockFilterChain chain = new MockFilterChain();
		assertThatNoException().isThrownBy(() -> filter.doFilter(preflight, new MockHttpServletResponse(), chain));
		assertThat(chain.getRequest()).as("let through, as the same request as a POST is").isNotNull();
	}

	@Test
	void preflightWhoseResolverIsInterruptedOnceShouldLeaveTheThreadInterrupted() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		RateLimitKeyResolver resolver = (request, policy) -> {
			if (calls.getAndIncrement() == 0) {
				throw sneaky(new InterruptedException("interrupted while looking the tenant up"));
			}
			return "tenant-7";
		};
		RateLimitFilter filter = filter(KeyType.IP, resolver, null);
		filter.setCorsConfigurationSources(() -> List.of((request) -> cors()));
		MockHttpServletRequest preflight = preflight("10.6.4.1");
		MockFilterChain chain = new MockFilterChain();
		filter.doFilter(preflight, new MockHttpServletResponse(), chain);
		assertThat(calls).as("asked again for the request's key").hasValue(2);
		assertThat(chain.getRequest()).as("counted under its key and let through").isNotNull();
		assertThat(Thread.currentThread().isInterrupted()).as("interrupt kept").isTrue();
	}

	@Test
	void refusalOfAPolicyThatRefillsWithinASecondShouldSayOneSecondInTheSingular() throws Exception {
		RateLimitPolicy policy = new RateLimitPolicy("api", 1, Duration.ofSeconds(1), 0);
		RateLimitPolicyRegistration api = new RateLimitPolicyRegistration(policy, List.of("/**"), KeyType.IP, null,
				new LocalRateLimiter(policy, 100, () -> 42L));
		RateLimitFilter filter = new RateLimitFilter(new RateLimitPolicies(List.of(), api, List.of()), null, null,
				true);
		filter.doFilter(request("GET", "/api/chat", "10.0.9.1"), new MockHttpServletResponse(), new MockFilterChain());
		MockHttpServletResponse refused = new MockHttpServletResponse();
		filter.doFilter(request("GET", "/api/chat", "10.0.9.1"), refused, new MockFilterChain());
		assertThat(refused.getStatus()).isEqualTo(429);
		assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
		assertThat(refused.getContentAsString())
			.contains("\"The rate limit of policy 'api' is exhausted for this client; retry after 1 second.\"");
	}

	private static RateLimitFilter filter(KeyType key, @Nullable RateLimitKeyResolver resolver,
			@Nullable RateLimitRejectionHandler rejectionHandler) {
		RateLimitPolicy policy = new RateLimitPolicy("api", 1, Duration.ofMinutes(1), 0);
		RateLimitPolicyRegistration api = new RateLimitPolicyRegistration(policy, List.of("/api/**"), key,
				(key == KeyType.HEADER) ? "X-API-Key" : null, new LocalRateLimiter(policy, 100, () -> 42L));
		RateLimitPolicy none = new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY, 1, Duration.ofMinutes(1), 0);
		RateLimitPolicyRegistration defaultPolicy = new RateLimitPolicyRegistration(none, List.of(), KeyType.IP, null,
				new LocalRateLimiter(none, 100, () -> 42L));
		return new RateLimitFilter(new RateLimitPolicies(List.of(api), defaultPolicy, List.of()), resolver,
				rejectionHandler, true);
	}

	private static CorsConfiguration cors() {
		CorsConfiguration configuration = new CorsConfiguration();
		configuration.addAllowedOrigin(APP);
		configuration.addAllowedMethod("POST");
		configuration.addAllowedHeader("X-API-Key");
		return configuration;
	}

	private static MockHttpServletRequest preflight(String address) {
		MockHttpServletRequest request = request("OPTIONS", "/api/chat", address);
		request.addHeader("Origin", APP);
		request.addHeader("Access-Control-Request-Method", "POST");
		request.addHeader("Access-Control-Request-Headers", "X-API-Key");
		return request;
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> RuntimeException sneaky(Throwable thrown) throws E {
		throw (E) thrown;
	}

	private static MockHttpServletRequest request(String method, String requestUri, String address) {
		MockHttpServletRequest request = new MockHttpServletRequest(method, requestUri);
		request.setRemoteAddr(address);
		return request;
	}

}
