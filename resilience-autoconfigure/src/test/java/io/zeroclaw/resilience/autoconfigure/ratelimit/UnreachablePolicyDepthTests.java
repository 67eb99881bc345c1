package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.junit.jupiter.api.Test;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;

/** A catch-all after four levels of single-segment patterns still gets deeper requests. */
class UnreachablePolicyDepthTests {

	@Test
	void fourShallowLevelsShouldNotMakeDeepCatchAllUnreachable() {
		assertThat(PathPatternParser.defaultInstance.parse("/docs/**")
			.matches(PathContainer.parsePath("/docs/a/b/c/d"))).isTrue();
		List<RateLimitPolicyRegistration> policies = List.of(
				policy("shallow", List.of("/docs", "/docs/*", "/docs/*/*", "/docs/*/*/*")),
				policy("deep", List.of("/docs/**")));
		assertThat(UnreachablePolicies.find(policies, List.of())).as("/docs/a/b/c/d reaches 'deep'").isEmpty();
	}

	@Test
	void fourShallowLevelsShouldNotMakeALeadingCatchAllUnreachable() {
		List<RateLimitPolicyRegistration> policies = List.of(
				policy("shallow", List.of("/edit", "/*/edit", "/*/*/edit", "/*/*/*/edit")),
				policy("deep", List.of("/{*path}/edit")));
		assertThat(UnreachablePolicies.find(policies, List.of())).as("/a/b/c/d/edit reaches 'deep'").isEmpty();
	}

	@Test
	void fourShallowLevelsFromTheRootShouldNotMakeACatchAllUnreachable() {
		List<RateLimitPolicyRegistration> policies = List.of(
				policy("shallow", List.of("/", "/*", "/*/*", "/*/*/*", "/*/*/*/*")), policy("deep", List.of("/**")));
		assertThat(UnreachablePolicies.find(policies, List.of())).as("/a/b/c/d/e reaches 'deep'").isEmpty();
	}

	private static RateLimitPolicyRegistration policy(String name, List<String> paths) {
		return new RateLimitPolicyRegistration(new RateLimitPolicy(name, 10, Duration.ofMinutes(1), 0), paths,
				KeyType.IP, null, new LocalRateLimiter(new RateLimitPolicy(name, 10, Duration.ofMinutes(1), 0), 100),
				List.of());
	}

}
