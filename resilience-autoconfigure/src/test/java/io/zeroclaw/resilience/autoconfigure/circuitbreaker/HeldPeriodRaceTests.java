package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.util.AopTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call admitted while the breaker is closed, and the breaker forced open by another thread at a random instant
 * around the admission: the call back the call makes must never run under the call's permission in the half-open
 * period that follows (every read of the test clock is a recovery timeout later), where it would reach the upstream
 * without a probe slot and uncounted. Trials race for a few seconds.
 */
class HeldPeriodRaceTests {

	private static final Duration RECOVERY = Duration.ofSeconds(30);

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(Beans.class)
		.withBean(AtomicLong.class, () -> this.clock)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=" + RECOVERY.toSeconds() + "s");

	@Test
	void callBackShouldNeverRunUnderAPermissionOfAnEarlierPeriod() {
		this.contextRunner.run((context) -> {
			RacingProvider provider = context.getBean(RacingProvider.class);
			RacingProvider target = AopTestUtils.getUltimateTargetObject(provider);
			CircuitBreaker breaker = context.getBean(CircuitBreakerRegistry.class)
				.find("racingProvider")
				.orElseThrow();
			AtomicLong go = new AtomicLong();
			AtomicLong done = new AtomicLong();
			Thread opener = new Thread(() -> {
				long seen = 0;
				while (!Thread.currentThread().isInterrupted()) {
					long trial = go.get();
					if (trial == seen) {
						Thread.onSpinWait();
						continue;
					}
					seen = trial;
					long until = System.nanoTime() + ThreadLocalRandom.current().nextLong(3_000);
					while (System.nanoTime() < until) {
						Thread.onSpinWait();
					}
					breaker.transitionToOpen();
					done.set(trial);
				}
			}, "opener");
			opener.setDaemon(true);
			opener.start();
			String stale = null;
			long trials = 0;
			long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
			try {
				while (System.nanoTime() < deadline && stale == null) {
					trials++;
					breaker.transitionToClosed();
					long closedPeriod = breaker.transitions();
					target.innerFrame = null;
					go.set(trials);
					try {
						provider.chatWithSystem(null, "outer", "m", 0);
					}
					catch (RuntimeException ex) {
						// refused: the opener was early
					}
					while (done.get() != trials) {
						Thread.onSpinWait();
					}
					HeldBreakers.Frame inner = target.innerFrame;
					// the call back ran under the outer call's mark (one mark only) in a later, half-open period,
					// and nobody probed: the breaker is still half-open
					if (inner != null && inner.outer() == null && target.innerState == CircuitState.HALF_OPEN
							&& inner.period() > closedPeriod && breaker.state() == CircuitState.HALF_OPEN) {
						stale = "trial " + trials + ": closed period " + closedPeriod + ", mark's period "
								+ inner.period();
					}
				}
			}
			finally {
				opener.interrupt();
				opener.join(1000);
			}
			assertThat(trials).isGreaterThan(10);
			assertThat(target.innerCalls).as("call backs seen").isGreaterThan(0);
			assertThat(stale).as("a call back run under a permission of an earlier period").isNull();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class Beans {

		@Bean
		RacingProvider racingProvider(BeanFactory beans) {
			return new RacingProvider(beans);
		}

		@Bean
		CircuitBreakerFactory circuitBreakerFactory(ResilienceProperties properties, AtomicLong clock) {
			return new PropertiesCircuitBreakerFactory(properties.getCircuitBreaker(), getClass().getClassLoader(),
					() -> clock.addAndGet(RECOVERY.toNanos()));
		}

	}

	public static class RacingProvider implements Provider {

		private final BeanFactory beans;

		volatile HeldBreakers.@Nullable Frame innerFrame;

		volatile @Nullable CircuitState innerState;

		volatile int innerCalls;

		public RacingProvider(BeanFactory beans) {
			this.beans = beans;
		}

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			RacingProvider self = this.beans.getBean(RacingProvider.class);
			if (message.equals("outer")) {
				return self.chatWithSystem(null, "inner", model, temperature);
			}
			this.innerState = this.beans.getBean(CircuitBreakerRegistry.class)
				.find("racingProvider")
				.orElseThrow()
				.state();
			this.innerFrame = HeldBreakers.innermost();
			this.innerCalls++;
			return "answer";
		}

	}

}
