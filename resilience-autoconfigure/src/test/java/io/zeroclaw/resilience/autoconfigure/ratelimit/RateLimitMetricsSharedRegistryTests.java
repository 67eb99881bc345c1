package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
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
import static org.awaitility.Awaitility.await;

/**
 * Two contexts sharing one MeterRegistry, each with its own policy of the same name (README, Operators' view: such a
 * meter is "read from whichever context registered it first and removed when that context closes"), also under a
 * renaming or denying filter and on a composite registry (Boot's when several registries are present).
 */
class RateLimitMetricsSharedRegistryTests {

	@Test
	void closingTheContextThatDidNotRegisterTheKeysGaugeShouldLeaveTheFirstContextsGauge() throws Exception {
		MeterRegistry registry = new SimpleMeterRegistry();
		LocalRateLimiter firstLimiter = limiter();
		RateLimitMetrics first = metrics(firstLimiter, registry);
		RateLimitMetrics second = metrics(limiter(), registry);
		first.afterSingletonsInstantiated();
		second.afterSingletonsInstantiated();
		firstLimiter.tryAcquire("203.0.113.1");
		assertThat(registry.get(RateLimitMetrics.KEYS).tag("policy", "default").gauge().value()).isEqualTo(1.0);

		closeTheSecondWhileTheFirstRuns(second, registry, RateLimitMetrics.KEYS);
	}

	@Test
	void closingAnOlderContextShouldNotRemoveTheKeysGaugeOfAContextStartedAfterTheFirstClosed() throws Exception {
		MeterRegistry registry = new SimpleMeterRegistry();
		RateLimitMetrics first = metrics(limiter(), registry);
		RateLimitMetrics second = metrics(limiter(), registry);
		first.afterSingletonsInstantiated();
		second.afterSingletonsInstantiated();
		first.destroy(); // the registering context closes: its gauge goes, as documented
		LocalRateLimiter thirdLimiter = limiter();
		RateLimitMetrics third = metrics(thirdLimiter, registry);
		third.afterSingletonsInstantiated(); // registers a gauge of its own, reading its own limiter
		thirdLimiter.tryAcquire("203.0.113.2");

		second.destroy();

		assertThat(registry.find(RateLimitMetrics.KEYS).tag("policy", "default").gauge())
			.as("the third context's own keys gauge, while it runs").isNotNull();
	}

	@Test
	void closingTheContextThatDidNotRegisterTheKeysGaugeShouldLeaveTheFirstContextsGaugeUnderARenamingFilter()
			throws Exception {
		MeterRegistry registry = new SimpleMeterRegistry();
		// a common filter: every meter of the application under a prefix of its own
		registry.config().meterFilter(new MeterFilter() {
			@Override
			public Meter.Id map(Meter.Id id) {
				return id.withName("shop." + id.getName());
			}
		});
		LocalRateLimiter firstLimiter = limiter();
		RateLimitMetrics first = metrics(firstLimiter, registry);
		RateLimitMetrics second = metrics(limiter(), registry);
		first.afterSingletonsInstantiated();
		second.afterSingletonsInstantiated();
		firstLimiter.tryAcquire("203.0.113.1");
		assertThat(registry.get("shop." + RateLimitMetrics.KEYS).tag("policy", "default").gauge().value())
			.isEqualTo(1.0);

		closeTheSecondWhileTheFirstRuns(second, registry, "shop." + RateLimitMetrics.KEYS);
	}

	@Test
	void contextsStartingTogetherShouldNotBothTakeTheKeysGaugeForTheirOwn() throws Exception {
		CountDownLatch creating = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		MeterRegistry registry = new SimpleMeterRegistry() {
			@Override
			protected <T> Gauge newGauge(Meter.Id id,
					T obj, ToDoubleFunction<T> valueFunction) {
				if (id.getName().equals(RateLimitMetrics.KEYS) && Thread.currentThread().getName().equals("first")) {
					creating.countDown();
					try {
						release.await();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
				return super.newGauge(id, obj, valueFunction);
			}
		};
		LocalRateLimiter firstLimiter = limiter();
		RateLimitMetrics first = metrics(firstLimiter, registry);
		RateLimitMetrics second = metrics(limiter(), registry);
		Thread firstStart = new Thread(first::afterSingletonsInstantiated, "first");
		firstStart.start();
		assertThat(creating.await(10, TimeUnit.SECONDS)).isTrue();
		Thread secondStart = new Thread(second::afterSingletonsInstantiated, "second");
		secondStart.start();
		await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> secondStart.getState() == Thread.State.BLOCKED
					|| secondStart.getState() == Thread.State.WAITING);
		release.countDown();
		firstStart.join(10_000);
		secondStart.join(10_000);
		firstLimiter.tryAcquire("203.0.113.1");

		closeTheSecondWhileTheFirstRuns(second, registry, RateLimitMetrics.KEYS);
	}

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

	/** The second context closes; the first, which registered the gauge, still runs and keeps it. */
	private static void closeTheSecondWhileTheFirstRuns(RateLimitMetrics second, MeterRegistry registry, String name)
			throws Exception {
		second.destroy();
		assertThat(registry.find(name).tag("policy", "default").gauge())
			.as("the keys gauge of the context still running")
			.isNotNull();
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
