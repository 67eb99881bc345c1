package io.zeroclaw.resilience.ratelimit.redis;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter.RedisResting;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store's rest against the kinds of time-out a decision meets, and a failure whose report itself fails:
 * Lettuce's own command time-outs of one burst count once, as the store's own do, and a probe whose WARN runs out of
 * memory still gives its place back.
 */
class RedisRestTimeoutKindsTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("api", 10, Duration.ofMinutes(10), 5);

	private static final List<RedisClient> clients = new CopyOnWriteArrayList<>();

	private final String prefix = "test:" + UUID.randomUUID() + ":";

	@AfterEach
	void resumeClients() {
		redis.command("CLIENT", "UNPAUSE");
	}

	@AfterAll
	static void shutdown() {
		clients.forEach(RedisClient::shutdown);
	}

	/**
	 * Spring Boot's Lettuce set-up: TimeoutOptions.enabled() with spring.data.redis.timeout as the command timeout,
	 * here 200 ms, shorter than the limiter's own 1 s. A burst of decisions that time out together in one slow moment
	 * should count once (README: "decisions that ... time out together ... count as one failure").
	 */
	@Test
	void decisionsThatLettuceTimesOutTogetherShouldCountAsOneFailureAsTheLimitersOwnTimeOutsDo() throws Exception {
		AtomicLong clock = new AtomicLong();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(1), OnFailure.ALLOW,
				3, Duration.ofSeconds(5));
		AtomicInteger scriptsSent = new AtomicInteger();
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY,
				countingConnector(lettuceTimingOutAfter(Duration.ofMillis(200)), scriptsSent), config, null,
				errors::add, clock::get, null);
		awaitAnswering(limiter);
		scriptsSent.set(0);
		redis.command("CLIENT", "PAUSE", "30000", "WRITE");
		ExecutorService pool = Executors.newFixedThreadPool(10);
		try {
			ConcurrentRun.together(pool, 10, Duration.ofSeconds(10),
					(thread) -> assertThat(limiter.tryAcquire("client-" + thread).allowed()).isTrue());
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(scriptsSent).hasValue(10);
		assertThat(errors).hasSize(10).noneMatch(RedisResting.class::isInstance);
		assertThat(errors).as("the decisions timed out on Lettuce's command timeout")
			.allMatch(RedisCommandTimeoutException.class::isInstance);
		// one failure so far: the next decision, sent after the burst failed, still asks Redis
		limiter.tryAcquire("client-1");
		assertThat(scriptsSent).as("a burst that timed out together gave a healthy Redis its rest: %s",
				errors.get(errors.size() - 1)).hasValue(11);
	}

	/**
	 * A probe that times out while the WARN it logs runs out of memory (Logback does not catch an appender's Error):
	 * reported after the WARN, the permission would stay unreported and the probe's slot taken until the five-minute
	 * deadline.
	 */
	@Test
	void probeWhoseWarnRunsOutOfMemoryShouldNotKeepRedisRestingForFiveMinutes() {
		AtomicLong clock = new AtomicLong();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		AtomicInteger scriptsSent = new AtomicInteger();
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, Duration.ofMillis(50), OnFailure.DENY,
				1, Duration.ofSeconds(2));
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, countingConnector(plainClient(), scriptsSent),
				config, null, errors::add, clock::get, null);
		awaitAnswering(limiter);
		AtomicBoolean outOfMemory = new AtomicBoolean();
		Logger logger = (Logger) LoggerFactory.getLogger(RedisRateLimiter.class);
		AppenderBase<ILoggingEvent> failing = new AppenderBase<>() {
			@Override
			protected void append(ILoggingEvent event) {
				if (outOfMemory.getAndSet(false)) {
					throw new OutOfMemoryError("Java heap space");
				}
			}
		};
		failing.start();
		logger.addAppender(failing);
		try {
			// one failure gives Redis its 2 s rest (and its WARN, the next one allowed a minute later)
			redis.command("CLIENT", "PAUSE", "30000", "WRITE");
			assertThatExceptionOfType(RateLimitStoreUnavailableException.class)
				.isThrownBy(() -> limiter.tryAcquire("client-1"));
			clock.addAndGet(Duration.ofSeconds(61).toNanos());
			// the probe times out, and its WARN runs out of memory
			outOfMemory.set(true);
			assertThatExceptionOfType(OutOfMemoryError.class).isThrownBy(() -> limiter.tryAcquire("client-2"));
			redis.command("CLIENT", "UNPAUSE");
			// memory is back, Redis answers; another retry interval, and then four minutes, pass
			clock.addAndGet(Duration.ofSeconds(3).toNanos());
			clock.addAndGet(Duration.ofMinutes(4).toNanos());
			int sent = scriptsSent.get();
			RateLimitDecision decision = null;
			Throwable thrown = null;
			try {
				decision = limiter.tryAcquire("client-3");
			}
			catch (RateLimitStoreUnavailableException ex) {
				thrown = ex;
			}
			assertThat(thrown).as("a decision 4 min after the probe is refused as if Redis were resting: %s",
					(thrown != null) ? thrown.getCause() : null).isNull();
			assertThat(decision.remaining()).isEqualTo(14);
			assertThat(scriptsSent.get()).isEqualTo(sent + 1);
		}
		finally {
			logger.detachAppender(failing);
		}
	}

	private static RedisClient lettuceTimingOutAfter(Duration timeout) {
		RedisClient client = RedisClient.create(redis.uri());
		client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled()).build());
		client.setDefaultTimeout(timeout);
		clients.add(client);
		return client;
	}

	private static RedisClient plainClient() {
		RedisClient client = RedisClient.create(redis.uri());
		clients.add(client);
		return client;
	}

	@SuppressWarnings("unchecked")
	private static LettuceConnector countingConnector(RedisClient client, AtomicInteger scriptsSent) {
		RedisAsyncCommands<byte[], byte[]> commands = client.connect(ByteArrayCodec.INSTANCE).async();
		RedisAsyncCommands<byte[], byte[]> counting = (RedisAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(
				RedisRestTimeoutKindsTests.class.getClassLoader(), new Class<?>[] { RedisAsyncCommands.class },
				(proxy, method, args) -> {
					if (method.getName().equals("evalsha") || method.getName().equals("eval")) {
						scriptsSent.incrementAndGet();
					}
					return invoke(commands, method, args);
				});
		return new LettuceConnector(() -> counting);
	}

	private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	private static void awaitAnswering(RedisRateLimiter limiter) {
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			limiter.tryAcquire("warm-up");
			return limiter.isAnswering();
		});
	}

}
