package io.zeroclaw.resilience.autoconfigure.ratelimit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;

/**
 * Per-key HTTP rate limiting, on when {@code zeroclaw.resilience.rate-limit.enabled=true}.
 */
@AutoConfiguration(after = ResilienceAutoConfiguration.class)
@ConditionalOnBooleanProperty("zeroclaw.resilience.rate-limit.enabled")
public final class RateLimitAutoConfiguration {

}
