/**
 * The Redis store of rate limits, one quota shared by every instance of a service.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.ratelimit.redis;

import org.jspecify.annotations.NullMarked;
