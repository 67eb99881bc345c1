/**
 * Circuit breakers around {@code Provider} beans and Spring AI models, wired into Spring.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import org.jspecify.annotations.NullMarked;
