/**
 * Priority load shedding in plain Java: the {@link io.zeroclaw.resilience.backpressure.BackpressureController}.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.backpressure;

import org.jspecify.annotations.NullMarked;
