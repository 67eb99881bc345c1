/**
 * Token-bucket rate limiting in plain Java, with the in-memory store.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.ratelimit;

import org.jspecify.annotations.NullMarked;
