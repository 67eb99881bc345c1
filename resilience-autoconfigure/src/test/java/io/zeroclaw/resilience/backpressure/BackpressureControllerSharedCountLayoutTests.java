package io.zeroclaw.resilience.backpressure;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller's shared count, with the flush counters read beside it, sits on a cache line of its own, as HotSpot
 * lays the padded holder out: at least 64 bytes of its own fields ahead of the counts and after them (HotSpot fills a
 * superclass's gaps with a subclass's fields, which once put the count right after the object header). Offsets are
 * read through {@code sun.misc.Unsafe}, by reflection.
 */
class BackpressureControllerSharedCountLayoutTests {

	private static final int CACHE_LINE = 64;

	@Test
	void sharedCountShouldHaveACacheLineOfPaddingOnEachSide() throws Exception {
		long[] counts = Arrays.stream(BackpressureController.SharedCountValue.class.getDeclaredFields())
			.mapToLong(BackpressureControllerSharedCountLayoutTests::offset)
			.toArray();
		// the count and the flush counters beside it
		assertThat(counts).hasSize(3);
		long first = Arrays.stream(counts).min().orElseThrow();
		long last = Arrays.stream(counts).max().orElseThrow();
		assertThat(last - first).as("bytes the counts span").isLessThan(CACHE_LINE);
		assertThat(first).as("bytes ahead of the counts").isGreaterThanOrEqualTo(CACHE_LINE);
		long end = Arrays.stream(BackpressureController.SharedCount.class.getDeclaredFields())
			.mapToLong(BackpressureControllerSharedCountLayoutTests::offset)
			.max()
			.orElseThrow() + Long.BYTES;
		assertThat(end - (last + Integer.BYTES)).as("bytes after the counts").isGreaterThanOrEqualTo(CACHE_LINE);
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
