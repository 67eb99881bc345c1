package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills {@code redis-server} under traffic and starts it again on the same port: decisions keep coming within the
 * timeout, follow the on-failure policy, and go back to one shared quota by themselves.
 */
class RedisOutageTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("outage", 10, Duration.ofMinutes(10), 5);

	private static final Duration TIMEOUT = Duration.ofMillis(50);

	/** Time for a decision to come back on a busy two-core build machine, beyond the timeout itself. */
	private static final Duration SLACK = Duration.ofMillis(250);

	private final List<RedisClient> clients = new ArrayList<>();

	@AfterEach
	void shutdown() {
		redis.start();
		this.clients.forEach(RedisClient::shutdown);
	}

	@ParameterizedTest
	@EnumSource(value = OnFailure.class, names = { "ALLOW", "DENY" })
	void killedRedisShouldNeitherSlowNorBreakDecisionsAndItsReturnShouldRestoreTheSharedQuota(OnFailure onFailure)
			throws Exception {
		String prefix = "outage:" + UUID.randomUUID() + ":";
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RateLimiter first = limiter(prefix, onFailure, errors);
		RateLimiter second = limiter(prefix, onFailure, errors);
		assertThat(first.tryAcquire("before").allowed()).isTrue();
		assertThat(second.tryAcquire("before").remaining()).isEqualTo(13);

		redis.stop();
		Traffic traffic = traffic(List.of(first, second), onFailure, Duration.ofMillis(1500));
		assertThat(traffic.unexpected).isEmpty();
		assertThat(traffic.decisions.get()).isGreaterThan(20);
		assertThat(Duration.ofNanos(traffic.slowestNanos.get())).isLessThan(TIMEOUT.plus(SLACK));
		assertThat(errors).isNotEmpty();

		redis.start();
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
			int before = errors.size();
			decide(first, "probe", onFailure);
			decide(second, "probe", onFailure);
			return errors.size() == before;
		});
		int allowed = 0;
		for (int i = 0; i < 20; i++) {
			allowed += ((i % 2 == 0) ? first : second).tryAcquire("after").allowed() ? 1 : 0;
		}
		assertThat(allowed).isEqualTo(15);
	}

	private Traffic traffic(List<RateLimiter> limiters, OnFailure onFailure, Duration length) throws Exception {
		Traffic traffic = new Traffic();
		int threads = 4;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			long end = System.nanoTime() + length.toNanos();
			List<Future<?>> runs = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				RateLimiter limiter = limiters.get(t % limiters.size());
				String key = "during-" + t;
				runs.add(pool.submit(() -> {
					while (System.nanoTime() - end < 0) {
						long started = System.nanoTime();
						try {
							decide(limiter, key, onFailure);
						}
						catch (RuntimeException ex) {
							traffic.unexpected.add(ex);
						}
						traffic.slowestNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
						traffic.decisions.incrementAndGet();
						Thread.sleep(5);
					}
					return null;
				}));
			}
			for (Future<?> run : runs) {
				run.get(length.toMillis() + 10_000, TimeUnit.MILLISECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		return traffic;
	}

	/** One decision; a refusal for want of Redis is expected under DENY and is not a failure of the test. */
	private static void decide(RateLimiter limiter, String key, OnFailure onFailure) {
		try {
			limiter.tryAcquire(key);
		}
		catch (RateLimitStoreUnavailableException ex) {
			if (onFailure != OnFailure.DENY) {
				throw ex;
			}
		}
	}

	private RateLimiter limiter(String prefix, OnFailure onFailure, List<Throwable> errors) {
		RedisClient client = RedisClient.create(redis.uri());
		this.clients.add(client);
		LettuceConnector connector = new LettuceConnector(() -> client.connect(ByteArrayCodec.INSTANCE).async());
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(prefix, TIMEOUT, onFailure, 3,
				Duration.ofMillis(500));
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector, config, null, errors::add);
		// Connects outside the measured traffic, as a running application already is.
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			int before = errors.size();
			decide(limiter, "connect", onFailure);
			return errors.size() == before;
		});
		return limiter;
	}

	private static final class Traffic {

		final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();

		final AtomicLong decisions = new AtomicLong();

		final AtomicLong slowestNanos = new AtomicLong();

	}

}
