/**
 * Spring Boot auto-configuration of the three protections, and the properties that drive it.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.autoconfigure;

import org.jspecify.annotations.NullMarked;
