package io.zeroclaw.resilience.autoconfigure.ratelimit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A health group's {@code management:} additional path answers on the main server only while Actuator does, by
 * Spring Boot's rule: no management port, or the main server's. Two random ports ({@code 0}, as Spring Boot's
 * documentation shows for tests of a separate management port) are two servers, and a negative management port
 * serves no management over HTTP: the path is then an ordinary path of the application, limited like any other.
 */
class ManagementPortExclusionTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"management.endpoint.health.group.ops.additional-path=management:/ops");

	@ParameterizedTest(name = "server.port={0}, management.server.port={1}: /ops excluded {2}")
	@CsvSource(nullValues = "unset", value = { "unset, unset, true", "9000, unset, true", "9000, 9000, true",
			"unset, 8080, true", "unset, 9001, false", "9000, 9001, false", "0, 0, false", "9000, -1, false" })
	void managementPathShouldBeExcludedOnlyWhileActuatorAnswersOnTheMainServer(String server, String management,
			boolean excluded) {
		WebApplicationContextRunner runner = this.runner;
		if (server != null) {
			runner = runner.withPropertyValues("server.port=" + server);
		}
		if (management != null) {
			runner = runner.withPropertyValues("management.server.port=" + management);
		}
		runner.run((context) -> {
			if (excluded) {
				assertThat(context.getBean(RateLimitPolicies.class).excludePaths()).contains("/ops/**");
			}
			else {
				assertThat(context.getBean(RateLimitPolicies.class).excludePaths()).containsExactly("/actuator/**");
			}
		});
	}

}
