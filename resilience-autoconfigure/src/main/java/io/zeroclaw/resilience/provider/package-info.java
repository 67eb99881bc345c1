/**
 * The service-provider interface of a large-language-model client, and its messages.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.provider;

import org.jspecify.annotations.NullMarked;
