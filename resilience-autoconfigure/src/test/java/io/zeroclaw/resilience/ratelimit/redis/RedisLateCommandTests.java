package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A decision that gave up on a Redis that stopped answering has been decided by {@code on-failure}: its command must
 * never reach Redis later. Lettuce keeps the commands a connection has written and not seen answered, and sends them
 * again once it has reconnected (after a crash, a fail-over); a late one would then spend a client's token for a
 * request decided long before.
 */
class RedisLateCommandTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	@Test
	void decisionThatTimedOutShouldNotBeSentAgainAfterTheConnectionIsReestablished() {
		RedisClient client = RedisClient.create(redis.uri());
		try {
			LettuceConnector connector = new LettuceConnector(() -> client.connect(ByteArrayCodec.INSTANCE).async());
			List<Throwable> errors = new CopyOnWriteArrayList<>();
			String prefix = "late:" + UUID.randomUUID() + ":";
			RedisRateLimiter limiter = new RedisRateLimiter(new RateLimitPolicy("late", 5, Duration.ofMinutes(1), 0),
					connector, new RedisRateLimiterConfig(prefix, Duration.ofMillis(200), OnFailure.ALLOW), null,
					errors::add);
			assertThat(connector.connectInBackground()).succeedsWithin(Duration.ofSeconds(30));
			assertThat(limiter.tryAcquire("warm-up").allowed()).isTrue();
			// a cold JVM on a busy machine may miss the timeout once: only the stale decision counts below
			errors.clear();
			// Redis holds every write unanswered, and the connection then drops (a network failure), Redis and its
			// script cache untouched
			assertThat(redis.command("CLIENT", "PAUSE", "10000", "WRITE")).isEqualTo("+OK");
			assertThat(limiter.tryAcquire("stale").allowed()).as("decided by on-failure").isTrue();
			assertThat(errors).singleElement().isInstanceOf(TimeoutException.class);
			assertThat(redis.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")).isNotEqualTo(":0");
			assertThat(redis.command("CLIENT", "UNPAUSE")).isEqualTo("+OK");
			// commands held over a reconnection go out before new ones: once a new decision is in, so would they be
			await().atMost(Duration.ofSeconds(30)).until(() -> {
				limiter.tryAcquire("fresh");
				return redis.command("EXISTS", prefix + "{late:fresh}").equals(":1");
			});
			assertThat(redis.command("EXISTS", prefix + "{late:stale}")).as("the late decision, sent again")
				.isEqualTo(":0");
		}
		finally {
			client.shutdown();
		}
	}

}
