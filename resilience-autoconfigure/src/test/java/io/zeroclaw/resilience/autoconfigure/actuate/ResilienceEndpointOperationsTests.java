package io.zeroclaw.resilience.autoconfigure.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.BreakerDescriptor;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitKeyResolver;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicyRegistration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The endpoint's operations outside HTTP (over JMX, or called by an application): a breaker read by name, and an
 * endpoint an application makes itself, which takes the policies' presence for the filter's.
 */
class ResilienceEndpointOperationsTests {

	@Test
	void breakerShouldBeReadByNameAndAnUnknownOneBeNone() {
		CircuitBreakerRegistry registry = new CircuitBreakerRegistry();
		registry.computeIfAbsent("llm",
				(name) -> new CircuitBreaker(name, new CircuitBreakerConfig(3, Duration.ofSeconds(30), 1)))
			.transitionToOpen();
		StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("registry", registry));
		ResilienceEndpoint endpoint = endpoint(beans);
		BreakerDescriptor llm = endpoint.breaker("llm");
		assertThat(llm).isNotNull();
		assertThat(llm.state()).isEqualTo(CircuitState.OPEN);
		assertThat(llm.failureThreshold()).isEqualTo(3);
		assertThat(endpoint.breaker("search")).isNull();
	}

	@Test
	void endpointMadeWithoutBeingToldOfTheFilterShouldSayPoliciesThatExistAreFiltered() {
		RateLimitPolicy policy = new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY, 10, Duration.ofMinutes(1), 0);
		RateLimitPolicies policies = new RateLimitPolicies(List.of(), new RateLimitPolicyRegistration(policy,
				List.of("/**"), KeyType.IP, null, new LocalRateLimiter(policy, 100)), List.of());
		StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("policies", policies));
		assertThat(endpoint(beans).resilience().rateLimit().filter()).isTrue();
		assertThat(endpoint(new StaticListableBeanFactory()).resilience().rateLimit().filter()).isFalse();
	}

	private static ResilienceEndpoint endpoint(StaticListableBeanFactory beans) {
		return new ResilienceEndpoint(new ResilienceProperties(), beans.getBeanProvider(RateLimitPolicies.class),
				beans.getBeanProvider(RateLimitKeyResolver.class), beans.getBeanProvider(CircuitBreakerRegistry.class),
				beans.getBeanProvider(BackpressureController.class));
	}

}
