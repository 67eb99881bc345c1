package io.zeroclaw.resilience.backpressure;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller's shared count sits on a cache line of its own, as HotSpot lays the padded holder out: at least 64
 * bytes of its own fields ahead of the count and after it (HotSpot fills a superclass's gaps with a subclass's
 * fields, which once put the count right after the object header). Offsets are read through {@code sun.misc.Unsafe},
 * by reflection.
 */
class BackpressureControllerSharedCountLayoutTests {

	private static final int CACHE_LINE = 64;

	@Test
	void sharedCountShouldHaveACacheLineOfPaddingOnEachSide() throws Exception {
		long taken = offset(BackpressureController.SharedCountValue.class.getDeclaredField("taken"));
		assertThat(taken).as("bytes ahead of the count").isGreaterThanOrEqualTo(CACHE_LINE);
		long end = Arrays.stream(BackpressureController.SharedCount.class.getDeclaredFields())
			.mapToLong(BackpressureControllerSharedCountLayoutTests::offset)
			.max()
			.orElseThrow() + Long.BYTES;
		assertThat(end - (taken + Integer.BYTES)).as("bytes after the count").isGreaterThanOrEqualTo(CACHE_LINE);
	}

	private static long offset(Field field) {
		try {
			Class<?> unsafeType = Class.forName("sun.misc.Unsafe");
			Field instance = unsafeType.getDeclaredField("theUnsafe");
			instance.setAccessible(true);
			Method objectFieldOffset = unsafeType.getMethod("objectFieldOffset", Field.class);
			return (long) objectFieldOffset.invoke(instance.get(null), field);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Could not read the offset of " + field, ex);
		}
	}

}
