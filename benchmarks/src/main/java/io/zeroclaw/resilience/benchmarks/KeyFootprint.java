package io.zeroclaw.resilience.benchmarks;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;

/**
 * Retained heap per tracked key: fills a keyed limiter with a million keys and measures how much heap it keeps.
 * <p>
 * Method: in a fresh JVM per limiter (serial collector, fixed heap), build the key strings first, settle the heap
 * (full collections until the used heap stops shrinking) and read the used heap from {@link MemoryMXBean}: that is
 * the baseline. Then create the limiter, take one permit for every key, settle again and read again. The difference
 * divided by the number of keys is the heap the limiter retains per key, its own structures only: the key strings
 * belong to the caller and are in the baseline. The policy refills one token every 14 minutes, so no bucket is full
 * (and so droppable) while the figure is taken; each limiter is bounded at exactly the number of keys and reports
 * how many it tracks, which must equal that number for the figure to count.
 * <p>
 * Run: {@code java -cp benchmarks/target/benchmarks.jar io.zeroclaw.resilience.benchmarks.KeyFootprint} (every
 * limiter, each in its own JVM) or with a limiter's name ({@code zeroclaw} or {@code bucket4jCaffeine}) and optionally a key count.
 */
public final class KeyFootprint {

	static final int DEFAULT_KEYS = 1_000_000;

	/** 100 requests a day: a token comes back every 14.4 minutes, far longer than a measurement takes. */
	static final long REQUESTS_PER_WINDOW = 100;

	static final Duration WINDOW = Duration.ofDays(1);

	private KeyFootprint() {
	}

	public static void main(String[] args) throws Exception {
		int keys = (args.length > 1) ? Integer.parseInt(args[1]) : DEFAULT_KEYS;
		if (args.length == 0) {
			System.out.printf(Locale.ROOT, "%-18s %12s %14s %16s%n", "limiter", "keys", "retained MiB", "bytes per key");
			for (Subject subject : Subject.values()) {
				inChildJvm(subject, keys);
			}
			return;
		}
		Subject subject = Subject.named(args[0]);
		measure(subject, keys);
	}

	private static void inChildJvm(Subject subject, int keys) throws Exception {
		String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
		List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xms3g", "-Xmx3g", "-cp",
				System.getProperty("java.class.path"), KeyFootprint.class.getName(), subject.argument, String.valueOf(keys)));
		Process process = new ProcessBuilder(command).inheritIO().start();
		int exit = process.waitFor();
		if (exit != 0) {
			throw new IllegalStateException(subject.argument + " measurement failed with exit code " + exit);
		}
	}

	private static void measure(Subject subject, int count) {
		String[] keys = KeyedRateLimiterBenchmark.keys(count);
		long baseline = settledUsedHeap();
		Tracked tracked = subject.fill(keys);
		long after = settledUsedHeap();
		long size = tracked.size();
		if (size != count) {
			throw new IllegalStateException(subject.argument + " tracks " + size + " keys, not " + count);
		}
		long retained = after - baseline;
		System.out.printf(Locale.ROOT, "%-18s %12d %14.1f %16.1f%n", subject.argument, size, retained / 1048576.0,
				(double) retained / count);
		Reference.reachabilityFence(tracked);
		Reference.reachabilityFence(keys);
	}

	private static long settledUsedHeap() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		long used = Long.MAX_VALUE;
		for (int i = 0; i < 10; i++) {
			System.gc();
			long now = memory.getHeapMemoryUsage().getUsed();
			if (now >= used) {
				return now;
			}
			used = now;
		}
		return used;
	}

	/** What a filled limiter shows the measurement: how many keys it tracks. */
	interface Tracked {

		long size();

	}

	enum Subject {

		ZEROCLAW("zeroclaw") {
			@Override
			Tracked fill(String[] keys) {
				LocalRateLimiter limiter = new LocalRateLimiter(
						new RateLimitPolicy("footprint", REQUESTS_PER_WINDOW, WINDOW, 0), keys.length);
				for (String key : keys) {
					limiter.tryAcquire(key);
				}
				return limiter::size;
			}
		},

		BUCKET4J_CAFFEINE("bucket4jCaffeine") {
			@Override
			Tracked fill(String[] keys) {
				Cache<String, Bucket> cache = Caffeine.newBuilder().maximumSize(keys.length).build();
				for (String key : keys) {
					cache.get(key, (k) -> Bucket.builder()
						.addLimit((limit) -> limit.capacity(REQUESTS_PER_WINDOW).refillGreedy(REQUESTS_PER_WINDOW, WINDOW))
						.build()).tryConsume(1);
				}
				cache.cleanUp();
				return cache::estimatedSize;
			}
		};

		final String argument;

		Subject(String argument) {
			this.argument = argument;
		}

		abstract Tracked fill(String[] keys);

		static Subject named(String argument) {
			for (Subject subject : values()) {
				if (subject.argument.equals(argument)) {
					return subject;
				}
			}
			throw new IllegalArgumentException("No limiter named '" + argument + "'");
		}

	}

}
