package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keys gauge of contexts sharing a composite registry (Boot's when several registries are present), and under a
 * filter that denies it.
 */
class RateLimitMetricsRegistryKindsTests {

	@Test
	void compositeRegistryShouldKeepTheFirstContextsGaugeInItsChildrenWhenTheSecondCloses() throws Exception {
		SimpleMeterRegistry child = new SimpleMeterRegistry();
		CompositeMeterRegistry registry = new CompositeMeterRegistry();
		registry.add(child);
		LocalRateLimiter firstLimiter = limiter();
		RateLimitMetrics first = metrics(firstLimiter, registry);
		RateLimitMetrics second = metrics(limiter(), registry);
		first.afterSingletonsInstantiated();
		second.afterSingletonsInstantiated();
		firstLimiter.tryAcquire("203.0.113.1");
		second.destroy();
		assertThat(child.get(RateLimitMetrics.KEYS).tag("policy", "default").gauge().value()).isEqualTo(1.0);
		assertThat(registry.get(RateLimitMetrics.KEYS).tag("policy", "default").gauge().value()).isEqualTo(1.0);
		first.destroy();
		assertThat(child.find(RateLimitMetrics.KEYS).gauge()).isNull();
		assertThat(registry.find(RateLimitMetrics.KEYS).gauge()).isNull();
	}

	@Test
	void deniedGaugeShouldBeNeitherRegisteredNorFailTheClose() throws Exception {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		registry.config().meterFilter(MeterFilter.denyNameStartsWith(RateLimitMetrics.KEYS));
		RateLimitMetrics first = metrics(limiter(), registry);
		RateLimitMetrics second = metrics(limiter(), registry);
		first.afterSingletonsInstantiated();
		second.afterSingletonsInstantiated();
		second.destroy();
		first.destroy();
		assertThat(registry.find(RateLimitMetrics.KEYS).gauge()).isNull();
		assertThat(registry.find(RateLimitMetrics.REQUESTS).counters()).isNotEmpty();
	}

	private static LocalRateLimiter limiter() {
		return new LocalRateLimiter(policy(), 100);
	}

	private static RateLimitPolicy policy() {
		return new RateLimitPolicy(RateLimitPolicies.DEFAULT_POLICY, 10, Duration.ofMinutes(1), 0);
	}

	private static RateLimitMetrics metrics(LocalRateLimiter limiter, MeterRegistry registry) {
		RateLimitPolicies policies = new RateLimitPolicies(List.of(), new RateLimitPolicyRegistration(policy(),
				List.of("/**"), KeyType.IP, null, limiter), List.of());
		StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("meterRegistry", registry));
		return new RateLimitMetrics(policies, beans.getBeanProvider(MeterRegistry.class));
	}

}
