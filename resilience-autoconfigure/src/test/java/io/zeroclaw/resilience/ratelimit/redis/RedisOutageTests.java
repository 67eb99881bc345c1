package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills {@code redis-server} under traffic and starts it again on the same port: decisions keep coming within the
 * timeout, follow the on-failure policy, and go back to one shared quota by themselves.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisOutageTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("outage", 10, Duration.ofMinutes(10), 5);

	private static final Duration TIMEOUT = Duration.ofMillis(50);

	/** Time for a decision to come back on a busy two-core build machine, beyond the timeout itself. */
	private static final Duration SLACK = Duration.ofMillis(250);

	/** Longer than any stall of a busy build machine, and shorter than any of Lettuce's own timeouts. */
	private static final Duration STALL = Duration.ofSeconds(3);

	private static final int CLIENTS = 4;

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
		// one quota, decided in Redis: each try on a new key, a decision of a busy machine outlasting the 50 ms
		await().atMost(Duration.ofSeconds(10))
			.ignoreException(RateLimitStoreUnavailableException.class)
			.untilAsserted(() -> {
				String key = "before-" + UUID.randomUUID();
				assertThat(first.tryAcquire(key).allowed()).isTrue();
				assertThat(second.tryAcquire(key).remaining()).isEqualTo(13);
			});

		redis.stop();
		List<RateLimiter> limiters = List.of(first, second);
		SteadyTraffic.Result traffic = SteadyTraffic.run(CLIENTS, Duration.ofMillis(1500),
				(client) -> decide(limiters.get(client % 2), "during-" + client, onFailure));
		assertThat(traffic.unexpected()).isEmpty();
		assertThat(traffic.requests()).isGreaterThan(20);
		// a stalled machine (a collection, a descheduled thread) slows one request of each client at most; a
		// timeout not kept slows every decision that asks Redis (ten or more here, the limiter resting between)
		assertThat(traffic.slowerThan(TIMEOUT.plus(SLACK))).as("requests slower than %s, of %d", TIMEOUT.plus(SLACK),
				traffic.requests()).isLessThanOrEqualTo(CLIENTS);
		assertThat(traffic.slowest()).isLessThan(STALL);
		assertThat(errors).isNotEmpty();

		redis.start();
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
			int before = errors.size();
			decide(first, "probe", onFailure);
			decide(second, "probe", onFailure);
			return errors.size() == before;
		});
		await().atMost(Duration.ofSeconds(10))
			.ignoreException(RateLimitStoreUnavailableException.class)
			.untilAsserted(() -> {
				String key = "after-" + UUID.randomUUID();
				int allowed = 0;
				for (int i = 0; i < 20; i++) {
					allowed += ((i % 2 == 0) ? first : second).tryAcquire(key).allowed() ? 1 : 0;
				}
				assertThat(allowed).isEqualTo(15);
			});
	}

	@Test
	void flappingRedisShouldBeReportedOnceAMinuteNotOnEveryReturn(CapturedOutput output) {
		String prefix = "flapping:" + UUID.randomUUID() + ":";
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RateLimiter limiter = limiter(prefix, OnFailure.ALLOW, errors);
		for (int outage = 0; outage < 2; outage++) {
			redis.stop();
			int before = errors.size();
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				limiter.tryAcquire("flap");
				return errors.size() >= before + 3;
			});
			redis.start();
			await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
				int failures = errors.size();
				limiter.tryAcquire("flap");
				return errors.size() == failures;
			});
		}
		// two outages and two returns within the minute: one WARN, and one INFO for the return that followed it
		assertThat(output.toString().split("Redis did not decide for rate-limit policy 'outage'", -1)).hasSize(2);
		assertThat(output.toString().split("Redis answers again: rate-limit policy 'outage'", -1)).hasSize(2);
	}

	@Test
	void redisGoneShouldBeReportedAsAConnectionLettuceIsReconnecting(CapturedOutput output) {
		RedisClient client = RedisClient.create(redis.uri());
		this.clients.add(client);
		LettuceConnector connector = new LettuceConnector(() -> client.connect(ByteArrayCodec.INSTANCE).async());
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector,
				new RedisRateLimiterConfig("gone:" + UUID.randomUUID() + ":", Duration.ofSeconds(2), OnFailure.ALLOW),
				null, errors::add);
		// A connection first, and a decision Redis made: the first connect of a cold JVM on a busy machine can take
		// longer than the timeout, and the fallback's answer would look the same.
		assertThat(connector.connectInBackground()).succeedsWithin(Duration.ofSeconds(30));
		assertThat(limiter.tryAcquire("before").remaining()).isEqualTo(14);
		assertThat(errors).as("errors before Redis stopped").isEmpty();
		assertThat(connector.isReconnecting()).isFalse();
		redis.stop();
		await().atMost(Duration.ofSeconds(10)).until(connector::isReconnecting);
		limiter.tryAcquire("during");
		assertThat(output).contains("Redis did not decide for rate-limit policy 'outage' (no answer within the timeout "
				+ "of 2000 ms: the connection is cut off and Lettuce is reconnecting it; its own log says why");
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

}
