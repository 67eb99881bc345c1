package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

import static org.assertj.core.api.Assertions.assertThat;

/** Named policies that an earlier policy leaves no request to: found on sample paths, reported at start-up. */
@ExtendWith(OutputCaptureExtension.class)
class UnreachablePoliciesTests {

	@Test
	void narrowPolicyAfterABroadOneShouldBeUnreachable() {
		assertThat(UnreachablePolicies.find(policies("api", "/api/**", "admin", "/api/admin/**"), List.of()))
			.containsExactly(Map.entry("admin", Set.of("api")));
	}

	@Test
	void narrowPolicyBeforeABroadOneShouldBeReachable() {
		assertThat(UnreachablePolicies.find(policies("admin", "/api/admin/**", "api", "/api/**"), List.of())).isEmpty();
	}

	@Test
	void policyWithAPathNoEarlierPolicyMatchesShouldBeReachable() {
		List<RateLimitPolicyRegistration> policies = new ArrayList<>(policies("api", "/api/**"));
		policies.add(policy("mixed", List.of("/api/admin/**", "/admin/**"), List.of()));
		assertThat(UnreachablePolicies.find(policies, List.of())).isEmpty();
	}

	@Test
	void wildcardsAndVariablesShouldBeSampled() {
		assertThat(UnreachablePolicies.find(policies("items", "/items/*", "item", "/items/{id}"), List.of())).containsKey("item");
		assertThat(UnreachablePolicies.find(policies("items", "/items/{*rest}", "deep", "/items/*/parts/**"), List.of()))
			.containsKey("deep");
		assertThat(UnreachablePolicies.find(policies("one", "/items/*", "all", "/items/**"), List.of()))
			.as("/items itself and /items/a/b are not under /items/*")
			.isEmpty();
		assertThat(UnreachablePolicies.find(policies("literal", "/items/42", "item", "/items/{id}"), List.of())).isEmpty();
	}

	@Test
	void methodsShouldBeCompared() {
		List<RateLimitPolicyRegistration> writesFirst = List.of(policy("writes", List.of("/api/**"), List.of("POST")),
				policy("admin", List.of("/api/admin/**"), List.of()));
		assertThat(UnreachablePolicies.find(writesFirst, List.of())).as("admin's GETs reach it").isEmpty();
		List<RateLimitPolicyRegistration> readsFirst = List.of(policy("reads", List.of("/api/**"), List.of("GET")),
				policy("adminReads", List.of("/api/admin/**"), List.of("GET")));
		assertThat(UnreachablePolicies.find(readsFirst, List.of())).containsKey("adminReads");
		List<RateLimitPolicyRegistration> writesOnly = List.of(policy("writes", List.of("/api/**"), List.of("POST")),
				policy("adminWrites", List.of("/api/admin/**"), List.of("post")));
		assertThat(UnreachablePolicies.find(writesOnly, List.of())).as("no HEAD to reach it either").containsKey("adminWrites");
	}

	@Test
	void policyForMethodsAnEarlierPolicyLeavesShouldBeReachable() {
		List<RateLimitPolicyRegistration> readsFirst = List.of(policy("reads", List.of("/api/**"), List.of("GET")),
				policy("adminWrites", List.of("/api/admin/**"), List.of("POST")));
		assertThat(UnreachablePolicies.find(readsFirst, List.of())).as("POSTs to /api/admin reach it").isEmpty();
		List<RateLimitPolicyRegistration> getsFirst = List.of(policy("gets", List.of("/api/**"), List.of("GET")),
				policy("adminHeads", List.of("/api/admin/**"), List.of("HEAD")));
		assertThat(UnreachablePolicies.find(getsFirst, List.of())).as("a GET policy takes HEAD too").containsKey("adminHeads");
		List<RateLimitPolicyRegistration> headsFirst = List.of(policy("heads", List.of("/api/**"), List.of("HEAD")),
				policy("adminGets", List.of("/api/admin/**"), List.of("GET")));
		assertThat(UnreachablePolicies.find(headsFirst, List.of())).as("GETs to /api/admin reach it").isEmpty();
	}

	@Test
	void policyWithAPathNoSamplePathCanBeMadeOfShouldNotBeReported() {
		// an undecodable escape makes no sample path: nothing shows that an earlier policy takes its requests
		assertThat(UnreachablePolicies.find(policies("all", "/**", "odd", "/files/%zz"), List.of())).isEmpty();
	}

	@Test
	void twoEarlierPoliciesTogetherShouldBeNamed() {
		List<RateLimitPolicyRegistration> policies = new ArrayList<>(policies("a", "/a/**", "b", "/b/**"));
		policies.add(policy("both", List.of("/a/x", "/b/y"), List.of()));
		assertThat(UnreachablePolicies.find(policies, List.of())).containsEntry("both", Set.of("a", "b"));
	}

	@Test
	void unreachablePolicyShouldBeReportedAtStartUp(CapturedOutput output) {
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
					"zeroclaw.resilience.rate-limit.policies.admin.paths=/api/admin/**",
					"zeroclaw.resilience.rate-limit.policies.admin.requests-per-window=1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("Rate-limit policy 'admin' can never apply: every path it lists is "
						+ "matched first by policy 'api'");
			});
	}

	@Test
	void policyWhosePathsAreAllExcludedShouldBeReportedAtStartUp(CapturedOutput output) {
		// excluded paths are tried before every policy: a policy for Actuator's scrapes never limits one
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.scrapes.paths=/actuator/prometheus",
					"zeroclaw.resilience.rate-limit.policies.scrapes.requests-per-window=1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RateLimitPolicies policies = context.getBean(RateLimitPolicies.class);
				assertThat(policies.excludePaths()).containsExactly("/actuator/**");
				assertThat(output).contains("Rate-limit policy 'scrapes' can never apply: every path it lists is "
						+ "excluded by zeroclaw.resilience.rate-limit.exclude-paths [/actuator/**], which are tried "
						+ "before every policy")
					.contains("Give 'scrapes' other paths");
			});
	}

	@Test
	void policyWhosePathsAreExcludedOrTakenByAnEarlierPolicyShouldBeUnreachable() {
		List<RateLimitPolicyRegistration> policies = new ArrayList<>(policies("api", "/api/**"));
		policies.add(policy("mixed", List.of("/api/admin/**", "/internal/**"), List.of()));
		assertThat(UnreachablePolicies.find(policies, List.of("/internal/**")))
			.containsExactly(Map.entry("mixed", Set.of("api", UnreachablePolicies.EXCLUDE_PATHS)));
	}

	@Test
	void policyWithAPathNeitherExcludedNorTakenShouldBeReachable() {
		List<RateLimitPolicyRegistration> policies = List.of(policy("mixed", List.of("/internal/**", "/api/**"),
				List.of()));
		assertThat(UnreachablePolicies.find(policies, List.of("/internal/**"))).isEmpty();
		assertThat(UnreachablePolicies.find(policies, List.of("/**")))
			.containsExactly(Map.entry("mixed", Set.of(UnreachablePolicies.EXCLUDE_PATHS)));
	}

	private static List<RateLimitPolicyRegistration> policies(String... namesAndPaths) {
		List<RateLimitPolicyRegistration> policies = new ArrayList<>();
		for (int i = 0; i < namesAndPaths.length; i += 2) {
			policies.add(policy(namesAndPaths[i], List.of(namesAndPaths[i + 1]), List.of()));
		}
		return policies;
	}

	private static RateLimitPolicyRegistration policy(String name, List<String> paths, List<String> methods) {
		RateLimitPolicy quota = new RateLimitPolicy(name, 10, Duration.ofMinutes(1), 0);
		return new RateLimitPolicyRegistration(quota, paths, KeyType.IP, null, new LocalRateLimiter(quota, 10),
				methods);
	}

}
