package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;

/**
 * Priority load shedding of {@code @Prioritized} work, on when {@code zeroclaw.resilience.backpressure.enabled=true}.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class)
@ConditionalOnBooleanProperty("zeroclaw.resilience.backpressure.enabled")
public final class BackpressureAutoConfiguration {

}
