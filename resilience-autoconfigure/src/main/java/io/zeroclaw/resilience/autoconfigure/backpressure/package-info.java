/**
 * Priority load shedding of {@code @Prioritized} calls, wired into Spring.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.autoconfigure.backpressure;

import org.jspecify.annotations.NullMarked;
