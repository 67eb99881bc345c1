package io.zeroclaw.resilience.backpressure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method (or every method of a type) whose calls are admitted through the backpressure controller at a
 * priority. On an {@code @Async} method the call is admitted in the caller's thread, before the task is queued, and
 * holds its slot until the task has finished. A {@link Priority} argument of the method, when present, wins over
 * {@link #value()}.
 * <p>
 * A shed call throws {@link LoadShedException}, except that of a {@code @Scheduled} method, an {@code @EventListener}
 * method or an {@code ApplicationListener}'s delivery, which is skipped: it returns {@code null} (for a scheduled
 * method, a primitive's zero) without running, also when the application calls it directly; but a listener returning
 * a primitive and a scheduled method returning a reactive type are refused like any call. A synchronous call made
 * inside admitted work, on the thread running it, is part of that work and runs under its admission whatever its own
 * priority; an {@code @Async} call, one returning a {@code CompletionStage} or a Kotlin {@code suspend} function
 * (unless the body of a {@code suspend} function holding its slot awaits it) is new work, admitted on its own. The
 * project's README ("Load shedding") has the details, Kotlin's included.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.TYPE })
public @interface Prioritized {

	/** @return the priority of the work, {@link Priority#NORMAL} unless set */
	Priority value() default Priority.NORMAL;

}
