/**
 * The operators' view of the protections: the {@code resilience} actuator endpoint and health contributor.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
