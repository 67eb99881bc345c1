package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Steady traffic from a few clients while a test stops and starts the real {@code redis-server}: each client sends a
 * request about every 5 ms for a fixed time, and the run records how many were made, the slowest, and anything
 * unexpected. Bounded in threads and time.
 */
public final class SteadyTraffic {

	private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

	private SteadyTraffic() {
	}

	/**
	 * Runs {@code clients} clients, each on its own thread, for {@code length}.
	 * @param clients how many clients send at once
	 * @param length how long they send
	 * @param request one request of client {@code i}; an exception (or assertion error) is recorded as unexpected
	 * @return what the run saw
	 */
	public static Result run(int clients, Duration length, Request request) throws Exception {
		Result result = new Result();
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		try {
			long end = System.nanoTime() + length.toNanos();
			List<Future<?>> runs = new ArrayList<>();
			for (int client = 0; client < clients; client++) {
				int id = client;
				runs.add(pool.submit(() -> {
					while (System.nanoTime() - end < 0) {
						long started = System.nanoTime();
						try {
							request.send(id);
						}
						catch (Exception | AssertionError ex) {
							result.unexpected.add(ex);
						}
						long took = System.nanoTime() - started;
						result.slowestNanos.accumulateAndGet(took, Math::max);
						result.durations.add(took);
						result.requests.incrementAndGet();
						// Real time on purpose: the server under test is a real process, and no clock of ours
						// decides anything here.
						LockSupport.parkNanos(PACE_NANOS);
					}
				}));
			}
			for (Future<?> run : runs) {
				run.get(length.toMillis() + 20_000, TimeUnit.MILLISECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		return result;
	}

	/** One request of one client. */
	@FunctionalInterface
	public interface Request {

		void send(int client) throws Exception;

	}

	/** What a run saw. */
	public static final class Result {

		private final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();

		private final AtomicLong requests = new AtomicLong();

		private final AtomicLong slowestNanos = new AtomicLong();

		private final ConcurrentLinkedQueue<Long> durations = new ConcurrentLinkedQueue<>();

		/** @return every exception or failed expectation of a request */
		public List<Throwable> unexpected() {
			return List.copyOf(this.unexpected);
		}

		/** @return how many requests were sent */
		public long requests() {
			return this.requests.get();
		}

		/** @return the longest a request took */
		public Duration slowest() {
			return Duration.ofNanos(this.slowestNanos.get());
		}

		/**
		 * @param limit a time a request should not take
		 * @return how many requests took longer
		 */
		public long slowerThan(Duration limit) {
			long nanos = limit.toNanos();
			return this.durations.stream().filter((took) -> took > nanos).count();
		}

	}

}
