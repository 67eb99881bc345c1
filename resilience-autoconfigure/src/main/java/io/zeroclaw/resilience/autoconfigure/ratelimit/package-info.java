/**
 * Per-client HTTP rate limiting: the servlet filter, its policies and their stores, wired into Spring.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.autoconfigure.ratelimit;

import org.jspecify.annotations.NullMarked;
