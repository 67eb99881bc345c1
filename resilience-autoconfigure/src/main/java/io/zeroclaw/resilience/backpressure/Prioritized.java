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
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.TYPE })
public @interface Prioritized {

	/** @return the priority of the work, {@link Priority#NORMAL} unless set */
	Priority value() default Priority.NORMAL;

}
