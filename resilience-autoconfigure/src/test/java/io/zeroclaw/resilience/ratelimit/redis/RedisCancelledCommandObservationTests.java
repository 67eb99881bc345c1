package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.tracing.MicrometerTracing;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Spring Boot observes every Lettuce command (the {@code lettuce} timer and its {@code lettuce.active} long task
 * timer). A decision that times out on a connected Redis leaves its command to complete late: once traffic has
 * stopped, no command may still read as active. Cancelled, some did for good: Lettuce starts a command's observation
 * after it has registered the observation's end on the command's completion, so a cancel at that moment ends it first.
 */
class RedisCancelledCommandObservationTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("observed", 5, Duration.ofMinutes(1), 0);

	@Test
	void commandsOfDecisionsThatTimedOutShouldNotStayActiveInTheObservations() throws Exception {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
		ClientResources resources = ClientResources.builder()
			.tracing(new MicrometerTracing(observations, "redis"))
			.build();
		RedisClient client = RedisClient.create(resources, redis.uri());
		try {
			LettuceConnector connector = new LettuceConnector(() -> client.connect(ByteArrayCodec.INSTANCE).async());
			List<Throwable> errors = new CopyOnWriteArrayList<>();
			// timeouts from 1 to 32 ms: some of the late commands are being written when their decision gives up
			List<RedisRateLimiter> limiters = new ArrayList<>();
			for (int millis = 1; millis <= 32; millis *= 2) {
				limiters.add(new RedisRateLimiter(POLICY, connector,
						new RedisRateLimiterConfig("obs:" + UUID.randomUUID() + ":", Duration.ofMillis(millis),
								OnFailure.ALLOW),
						null, errors::add));
			}
			assertThat(connector.connectInBackground()).succeedsWithin(Duration.ofSeconds(30));
			limiters.get(0).tryAcquire("warm-up");
			// bursts of concurrent decisions, as the sample app takes under load
			long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
			while (System.nanoTime() < end) {
				ExecutorService pool = Executors.newFixedThreadPool(64);
				List<Future<?>> futures = new ArrayList<>();
				for (int i = 0; i < 64; i++) {
					futures.add(pool.submit(() -> {
						for (int j = 0; j < 200; j++) {
							ThreadLocalRandom random = ThreadLocalRandom.current();
							limiters.get(random.nextInt(limiters.size())).tryAcquire("k" + random.nextInt(20_000));
						}
					}));
				}
				for (Future<?> future : futures) {
					future.get();
				}
				pool.shutdown();
			}
			assertThat(errors).as("decisions Redis did not make in time").isNotEmpty();
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(active(meters))
					.as("commands still active in lettuce.active, %s late decisions, %s commands cancelled",
							errors.size(), cancelled(meters))
					.isZero());
		}
		finally {
			client.shutdown();
			resources.shutdown();
		}
	}

	private static long cancelled(SimpleMeterRegistry meters) {
		return meters.find("lettuce")
			.tag("error", "CancellationException")
			.timers()
			.stream()
			.mapToLong(Timer::count)
			.sum();
	}

	private static int active(SimpleMeterRegistry meters) {
		return meters.find("lettuce.active").longTaskTimers().stream().mapToInt(LongTaskTimer::activeTasks).sum();
	}

}
