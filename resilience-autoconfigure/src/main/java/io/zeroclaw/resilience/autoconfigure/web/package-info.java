/**
 * Spring MVC answers to the protections' refusals.
 * <p>
 * Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable @Nullable}.
 */
@NullMarked
package io.zeroclaw.resilience.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
