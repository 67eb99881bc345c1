package io.zeroclaw.resilience.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * Binds {@link ResilienceProperties}. Each protection has an auto-configuration of its own that is off until its
 * {@code enabled} property is set; with nothing enabled this is the only thing the starter contributes.
 */
@AutoConfiguration
@EnableConfigurationProperties(ResilienceProperties.class)
public final class ResilienceAutoConfiguration {

}
