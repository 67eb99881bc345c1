package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's limiter or limiter factory that breaks its contract by answering {@code null}: a failure to
 * decide, said as one, never an exemption from the limit nor a start-up failure that names neither.
 */
@ExtendWith(OutputCaptureExtension.class)
class RateLimitExtensionPointFailureTests {

	@Test
	void limiterAnsweringNoDecisionShouldCountAsItsFailureNotAsAnExemption(CapturedOutput output) throws Exception {
		RateLimitPolicy quota = new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY, 1, Duration.ofMinutes(1), 0);
		RateLimitPolicies policies = new RateLimitPolicies(List.of(),
				new RateLimitPolicyRegistration(quota, List.of("/**"), KeyType.IP, null, (key, permits) -> null),
				List.of());
		AtomicInteger errors = new AtomicInteger();
		policies.outcomes(RateLimitPolicies.DEFAULT_POLICY).install(new PolicyOutcomes.Recorder() {

			@Override
			public void allowed() {
			}

			@Override
			public void rejected() {
			}

			@Override
			public void error() {
				errors.incrementAndGet();
			}

		});
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/data");
		request.setRemoteAddr("10.0.0.3");
		MockFilterChain chain = new MockFilterChain();
		new RateLimitFilter(policies, null, null, true).doFilter(request, new MockHttpServletResponse(), chain);
		assertThat(chain.getRequest()).as("let through, as any failure of a limiter is").isNotNull();
		assertThat(errors).as("counted as the limiter's failure").hasValue(1);
		assertThat(output).contains("Rate limiting of policy 'default' failed").contains("answered no decision");
	}

	@Test
	void limiterFactoryAnsweringNoLimiterShouldFailStartUpNamingItAndThePolicy() {
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**")
			.withBean("myRateLimiterFactory", RateLimiterFactory.class, () -> (policy, maxKeys) -> null)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("RateLimiterFactory")
					.hasMessageContaining("'api'");
			});
	}

}
