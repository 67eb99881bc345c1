package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceActuatorAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.LettuceConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializerBeans;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate limiting in a child context: the policies are one set per hierarchy, so a child under a rate-limiting parent
 * uses the parent's (and its store), and nothing of the starter finds a child's and its parent's policies ambiguous
 * when their bean names differ. Also: which port arrangement puts Actuator on the main server, by Spring Boot's rule.
 */
class ChildContextRateLimitTests {

	private static final AutoConfigurations RATE_LIMIT = AutoConfigurations.of(ResilienceAutoConfiguration.class,
			RateLimitAutoConfiguration.class);

	private static final AutoConfigurations REDIS_RATE_LIMIT = AutoConfigurations.of(
			DataRedisAutoConfiguration.class, ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class);

	@Test
	void childShouldStartUnderAParentWhoseOwnPoliciesHaveAnotherName() {
		new ApplicationContextRunner().withConfiguration(RATE_LIMIT)
			.withUserConfiguration(OwnPolicies.class)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((parent) -> {
				assertThat(parent).hasNotFailed();
				new WebApplicationContextRunner().withParent(parent)
					.withConfiguration(RATE_LIMIT)
					.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
							"zeroclaw.resilience.rate-limit.requests-per-window=1")
					.run((child) -> assertThat(child).hasNotFailed());
			});
	}

	@Test
	void childWithItsOwnPoliciesOfAnotherNameShouldStartUnderAnAutoConfiguredParent() {
		new ApplicationContextRunner().withConfiguration(RATE_LIMIT)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((parent) -> {
				assertThat(parent).hasNotFailed();
				new WebApplicationContextRunner().withParent(parent)
					.withConfiguration(RATE_LIMIT)
					.withUserConfiguration(OwnPolicies.class)
					.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
					.run((child) -> assertThat(child).hasNotFailed());
			});
	}

	@Test
	void childUnderARateLimitingParentShouldUseTheParentsPoliciesAndStoreWhateverItsOwnSettingsSay() {
		new ApplicationContextRunner().withConfiguration(RATE_LIMIT)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((parent) -> {
				assertThat(parent).hasNotFailed();
				new WebApplicationContextRunner().withParent(parent)
					.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
							ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
					.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
							"zeroclaw.resilience.rate-limit.requests-per-window=1",
							"zeroclaw.resilience.rate-limit.store=redis", "spring.data.redis.port=1")
					.run((child) -> {
						assertThat(child).hasNotFailed();
						assertThat(RateLimitAutoConfiguration.ownPolicies(child.getBeanFactory()))
							.isSameAs(parent.getBean(RateLimitPolicies.class));
						assertThat(child).doesNotHaveBean("zeroclawRedisConnector");
					});
			});
	}

	@Test
	void childsOwnEndpointShouldListThePoliciesItsFilterUsesUnderAParentWhoseOwnPoliciesHaveAnotherName() {
		new ApplicationContextRunner().withConfiguration(RATE_LIMIT)
			.withUserConfiguration(OwnPolicies.class)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((parent) -> {
				assertThat(parent).hasNotFailed();
				new ApplicationContextRunner().withParent(parent)
					.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
							RateLimitAutoConfiguration.class, ResilienceActuatorAutoConfiguration.class))
					.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
							"zeroclaw.resilience.rate-limit.requests-per-window=1",
							"management.endpoints.web.exposure.include=resilience")
					.run((child) -> {
						assertThat(child).hasNotFailed();
						// the policies the child's filter uses: the parent's own, not a second set of the child's
						assertThat(child.getBean(ResilienceEndpoint.class).resilience().rateLimit().policies()
							.get("default").requestsPerWindow()).isEqualTo(5);
					});
			});
	}

	@Test
	void closingAChildShouldNotStopTheParentsRedisConnectorWithAFactoryOfItsOwnOrWithout() {
		new ApplicationContextRunner().withConfiguration(REDIS_RATE_LIMIT)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis", "spring.data.redis.port=1")
			.run((parent) -> {
				assertThat(parent).hasNotFailed();
				LettuceConnector parentsConnector = parent.getBean(LettuceConnector.class);
				new ApplicationContextRunner().withParent(parent)
					.withConfiguration(REDIS_RATE_LIMIT)
					.withUserConfiguration(OwnFactory.class)
					.run((child) -> {
						assertThat(child).hasNotFailed();
						assertThat(child.containsLocalBean("zeroclawRedisConnector")).isFalse();
					});
				new ApplicationContextRunner().withParent(parent)
					.withConfiguration(REDIS_RATE_LIMIT)
					.run((child) -> assertThat(child).hasNotFailed());
				// the parent runs on; its connector must still open connections (Spring's shared connection reset)
				CompletableFuture<?> attempt = parentsConnector.connectInBackground();
				assertThat(attempt).satisfiesAnyOf((future) -> assertThat(future).isNotDone(),
						(future) -> assertThat(future).failsWithin(Duration.ZERO)
							.withThrowableThat()
							.withMessageNotContaining("shutting down"));
			});
	}

	@Test
	void childServerUnderAServletParentShouldRegisterTheRateLimitFilter() {
		new WebApplicationContextRunner().withConfiguration(RATE_LIMIT)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((parent) -> {
				assertThat(parent).hasNotFailed();
				new WebApplicationContextRunner().withParent(parent)
					.withConfiguration(RATE_LIMIT)
					.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
					.run((child) -> {
						assertThat(child).hasNotFailed();
						// what the child's web server registers: its own context's initializers only
						assertThat(new ServletContextInitializerBeans(child.getBeanFactory()))
							.anySatisfy((initializer) -> assertThat(initializer)
								.isInstanceOfSatisfying(FilterRegistrationBean.class,
										(registration) -> assertThat(registration.getFilter())
											.isInstanceOf(RateLimitFilter.class)));
					});
			});
	}

	@ParameterizedTest(name = "server.port={0}, management.server.port={1}")
	@CsvSource(nullValues = "unset", value = { "unset, unset", "unset, 8080", "unset, 0", "unset, -1", "8080, 8080",
			"0, 0", "0, 8080", "9000, 9000", "-1, -1", "'', ''", "'', 8080", "8080, ''", "'${PORT:8080}', 8080",
			"'${PORT:8080}', '${PORT:8080}'", "' 9000 ', 9000", "9000, ' 9000'" })
	void managementOnMainPortShouldFollowSpringBootsRule(String server, String management) {
		MockEnvironment environment = new MockEnvironment();
		if (server != null) {
			environment.setProperty("server.port", server);
		}
		if (management != null) {
			environment.setProperty("management.server.port", management);
		}
		assertThat(RateLimitAutoConfiguration.managementOnMainPort(environment))
			.isEqualTo(ManagementPortType.get(environment) == ManagementPortType.SAME);
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnPolicies {

		@Bean
		RateLimitPolicies myPolicies() {
			RateLimitPolicy quota = new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY, 5, Duration.ofMinutes(1), 0);
			return new RateLimitPolicies(List.of(), new RateLimitPolicyRegistration(quota, List.of("/**"), KeyType.IP,
					null, new LocalRateLimiter(quota, 1000)), List.of());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnFactory {

		@Bean
		RateLimiterFactory rateLimiterFactory() {
			return LocalRateLimiter::new;
		}

	}

}
