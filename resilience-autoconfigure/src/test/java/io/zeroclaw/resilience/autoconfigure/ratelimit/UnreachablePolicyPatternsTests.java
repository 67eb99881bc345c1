package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Patterns the unreachable-policy warning must not misread: earlier patterns narrower than a wildcard (regular
 * expressions, {@code ?}, a few levels where the later one takes any depth), and literals the samples cannot be made
 * from ({@code %}), which must not stop start-up.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnreachablePolicyPatternsTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true");

	private static boolean matches(String pattern, String path) {
		return PathPatternParser.defaultInstance.parse(pattern).matches(PathContainer.parsePath(path));
	}

	@Test
	void regexVariableEarlierPolicyShouldNotMakeCatchAllUnreachable() {
		assertThat(matches("/users/{name:[a-z0-9]+}", "/users/Alice")).isFalse();
		assertThat(matches("/users/*", "/users/Alice")).isTrue();
		assertThat(UnreachablePolicies.find(policies("lowercase", "/users/{name:[a-z0-9]+}", "others", "/users/*"), List.of()))
			.as("/users/Alice reaches 'others'")
			.isEmpty();
	}

	@Test
	void questionMarkEarlierPolicyShouldNotMakeCatchAllUnreachable() {
		assertThat(UnreachablePolicies.find(policies("iso", "/currencies/???", "other", "/currencies/*"), List.of()))
			.as("/currencies/euro reaches 'other'")
			.isEmpty();
	}

	@Test
	void shallowPatternsShouldNotMakeDeepCatchAllUnreachable() {
		List<RateLimitPolicyRegistration> policies = List.of(
				policy("shallow", List.of("/docs", "/docs/*", "/docs/*/*")), policy("deep", List.of("/docs/**")));
		assertThat(UnreachablePolicies.find(policies, List.of())).as("/docs/a/b/c reaches 'deep'").isEmpty();
	}

	@Test
	void regexVariableWarnedAtStartUp(CapturedOutput output) {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.policies.lowercase.paths=/users/{name:[a-z0-9]+}",
					"zeroclaw.resilience.rate-limit.policies.others.paths=/users/*")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).doesNotContain("can never apply");
			});
	}

	@Test
	void percentInALaterPatternShouldNotCrashStartUp() {
		// '/promo/100%' parses as a path pattern (the filter accepts it) and matches a request for /promo/100%25
		assertThat(matches("/promo/100%", "/promo/100%25")).isTrue();
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
					"zeroclaw.resilience.rate-limit.policies.promo.paths=/promo/100%")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void percentPatternAcceptedWhenItIsTheFirstPolicy() {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.policies.promo.paths=/promo/100%")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	private static List<RateLimitPolicyRegistration> policies(String first, String firstPath, String second,
			String secondPath) {
		return List.of(policy(first, List.of(firstPath)), policy(second, List.of(secondPath)));
	}

	private static RateLimitPolicyRegistration policy(String name, List<String> paths) {
		return new RateLimitPolicyRegistration(new RateLimitPolicy(name, 10, Duration.ofMinutes(1), 0), paths,
				KeyType.IP, null, new LocalRateLimiter(new RateLimitPolicy(name, 10, Duration.ofMinutes(1), 0), 100),
				List.of());
	}

}
