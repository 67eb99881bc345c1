package io.zeroclaw.resilience.ratelimit.redis;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter.RedisResting;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * What only the Redis store does: key shape and expiry, script reloading, one quota across instances whatever their
 * clocks, and bounded waits when Redis is slow.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisRateLimiterTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("api", 10, Duration.ofMinutes(10), 5);

	/** The timeout of the tests of a slow Redis, which pause it. */
	private static final Duration TIMEOUT = Duration.ofMillis(50);

	/**
	 * The timeout of the tests of what Redis stores and answers: long enough that a busy build machine (a GC pause, two
	 * test JVMs on two cores) cannot turn an answer into a time-out.
	 */
	private static final Duration PATIENT = Duration.ofSeconds(10);

	private static final List<RedisClient> clients = new CopyOnWriteArrayList<>();

	private final String prefix = "test:" + UUID.randomUUID() + ":";

	@BeforeAll
	static void warmUp() {
		// Opens the first connection of the JVM (Netty, codecs) outside the tests' 50 ms budgets.
		newLimiter(POLICY, "warm-up:", OnFailure.DENY, Duration.ofSeconds(10), null).tryAcquire("x");
	}

	/**
	 * Resumes the clients a test paused, then shuts the test's clients down. Each limiter has a client of its own,
	 * with Lettuce's own resources (threads, a timer): kept until the class ended, they outnumbered what Netty
	 * tolerates and it logged an ERROR.
	 */
	@AfterEach
	void resumeAndShutDownClients() {
		redis.command("CLIENT", "UNPAUSE");
		// not waited for: the next test needs none of their threads
		clients.forEach(RedisClient::shutdownAsync);
		clients.clear();
	}

	@Test
	void keyShouldBePrefixedAndHashTaggedByPolicyAndClientKey() {
		limiter(OnFailure.DENY).tryAcquire("client-1");
		assertThat(redis.command("EXISTS", this.prefix + "{api:client-1}")).isEqualTo(":1");
		// the test's Redis is no cluster (it answers CLUSTER KEYSLOT with an error): the client's own slot function
		assertThat(SlotHash.getSlot(this.prefix + "{api:client-1}")).isEqualTo(SlotHash.getSlot("api:client-1"))
			.isNotEqualTo(SlotHash.getSlot(this.prefix + "{api:client-2}"));
	}

	@Test
	void longClientKeyShouldBeStoredAsItsHash() throws Exception {
		String longKey = "k".repeat(500);
		limiter(OnFailure.DENY).tryAcquire(longKey);
		String hash = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(MessageDigest.getInstance("SHA-256").digest(longKey.getBytes(StandardCharsets.UTF_8)));
		assertThat(redis.command("EXISTS", this.prefix + "{api:sha256:" + hash + "}")).isEqualTo(":1");
		assertThat(redis.command("EXISTS", this.prefix + "{api:" + longKey + "}")).isEqualTo(":0");
	}

	@ParameterizedTest
	@ValueSource(strings = { "zeroclaw:{rl}:", "rl{", "}", "{rl:" })
	void keyPrefixWithABraceShouldBeRefused(String keyPrefix) {
		// it would put every client on the slot of the prefix's hash tag
		assertThatIllegalArgumentException().isThrownBy(() -> new RedisRateLimiterConfig(keyPrefix, PATIENT,
				OnFailure.DENY))
			.withMessageContaining("keyPrefix must not hold '{' or '}'");
	}

	@ParameterizedTest
	@ValueSource(strings = { "PT0S", "-PT0.001S" })
	void timeoutThatLeavesRedisNoTimeToAnswerShouldBeRefused(String timeout) {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RedisRateLimiterConfig(this.prefix, Duration.parse(timeout), OnFailure.ALLOW))
			.withMessageContaining("timeout must be positive");
	}

	@Test
	void configOutOfRangeShouldBeRefusedNamingItsField() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RedisRateLimiterConfig(null, PATIENT, OnFailure.DENY))
			.withMessageContaining("keyPrefix must not be null");
		for (int threshold : new int[] { 0, -1 }) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.DENY, threshold,
						Duration.ofSeconds(1)))
				.withMessageContaining("failureThreshold must be at least 1");
		}
		for (Duration retryInterval : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.DENY, 3, retryInterval))
				.withMessageContaining("retryInterval must be positive");
		}
		// the least of each is allowed
		assertThat(new RedisRateLimiterConfig("", Duration.ofNanos(1), OnFailure.DENY, 1, Duration.ofNanos(1))
			.failureThreshold()).isOne();
	}

	@ParameterizedTest
	@ValueSource(strings = { "api:v2", "api{v2}", "api\uD800", "api\uDC00x" })
	void policyNameThatWouldShareAnotherPolicysKeysShouldBeRefused(String name) {
		// policy api's client v2:alice would be policy api:v2's client alice; a lone surrogate is written '?' in UTF-8
		assertThatIllegalArgumentException()
			.isThrownBy(() -> newLimiter(new RateLimitPolicy(name, 1, Duration.ofMinutes(1), 0), this.prefix,
					OnFailure.DENY, PATIENT, null))
			.withMessageContaining("must not hold ':', '{', '}' or a lone surrogate");
		assertThat(newLimiter(new RateLimitPolicy("api\uD83D\uDE00", 1, Duration.ofMinutes(1), 0), this.prefix,
				OnFailure.DENY, PATIENT, null)
			.tryAcquire("alice")
			.allowed()).isTrue();
	}

	@Test
	void timeoutLongerThanNanosecondsHoldShouldBeAcceptedAsTheConfigAcceptsIt() {
		RateLimiter limiter = newLimiter(POLICY, this.prefix, OnFailure.DENY, ChronoUnit.FOREVER.getDuration(), null);
		assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
	}

	@Test
	void timeoutOfTheLastSecondNanosecondsCanHoldShouldBeAcceptedToo() {
		// 9 223 372 036.999 999 999 s: whole seconds a long of nanoseconds holds, and a fraction it does not
		Duration timeout = Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L, 999_999_999);
		RateLimiter limiter = newLimiter(POLICY, this.prefix, OnFailure.DENY, timeout, null);
		assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
	}

	@Test
	void windowBeyondWhatMicrosecondsHoldShouldBeRefusedNotWrapAround() {
		// near Long.MAX_VALUE microseconds, adding the window's fraction of a second wrapped the span to a negative
		// number, which became a token every microsecond
		for (Duration window : List.of(Duration.ofSeconds(9_223_372_036_854L, 999_999_999),
				Duration.ofSeconds(Long.MAX_VALUE))) {
			assertThatExceptionOfType(IllegalArgumentException.class)
				.isThrownBy(() -> newLimiter(new RateLimitPolicy("huge", 1, window, 0), this.prefix, OnFailure.DENY,
						PATIENT, null))
				.withMessageContaining("years to refill");
		}
	}

	@Test
	void localOnFailureWithoutAFallbackShouldBeRefusedAtOnceNotInAnOutage() {
		LettuceConnector connector = new LettuceConnector(() -> {
			throw new IllegalStateException("not connected in this test");
		});
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RedisRateLimiter(POLICY, connector, config(OnFailure.LOCAL), null, null))
			.withMessageContaining("fallback");
	}

	@Test
	void policyTakingCenturiesToRefillShouldBeRefusedThoughItsWindowFitsInMicroseconds() {
		// two tokens each 200 years: the window fits in a long of microseconds, its full bucket not below 2^53
		RateLimitPolicy slow = new RateLimitPolicy("slow", 2, Duration.ofDays(365L * 200), 0);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> newLimiter(slow, this.prefix, OnFailure.DENY, PATIENT, null))
			.withMessageContaining("takes more than 126 years to refill");
	}

	@Test
	void keyShouldExpireWhenItsBucketWouldBeFullAgain() {
		RateLimiter limiter = limiter(OnFailure.DENY);
		limiter.tryAcquire("client-1", 3);
		long ttl = Long.parseLong(redis.command("PTTL", this.prefix + "{api:client-1}").substring(1));
		assertThat(ttl).isBetween(Duration.ofMinutes(3).minusSeconds(10).toMillis(), Duration.ofMinutes(3).toMillis());
	}

	@Test
	void policyTooFastForWholeMicrosecondsShouldBeReportedWithTheRateItGets(CapturedOutput output) {
		new RedisRateLimiter(new RateLimitPolicy("fast", 300_000, Duration.ofSeconds(1), 0), connector(),
				config(OnFailure.DENY), null, null);
		new RedisRateLimiter(new RateLimitPolicy("exact", 250_000, Duration.ofSeconds(1), 0), connector(),
				config(OnFailure.DENY), null, null);
		assertThat(output).contains("Rate-limit policy 'fast' refills a token every 3.333 µs")
			.contains("about 250000 a second instead of 300000")
			.doesNotContain("policy 'exact'");
	}

	@Test
	void policyOfASubSecondWindowInWholeMicrosecondsShouldNotBeWarnedOf(CapturedOutput output) {
		new RedisRateLimiter(new RateLimitPolicy("half-second", 100, Duration.ofMillis(500), 0), connector(),
				config(OnFailure.DENY), null, null);
		assertThat(output).doesNotContain("Rate-limit policy 'half-second'");
	}

	@Test
	void policyOfASubSecondWindowTooFastForWholeMicrosecondsShouldBeReportedToo(CapturedOutput output) {
		// 150 000 tokens each half second: one every 3.333 µs, counted as 4 µs
		new RedisRateLimiter(new RateLimitPolicy("fast-half", 150_000, Duration.ofMillis(500), 0), connector(),
				config(OnFailure.DENY), null, null);
		assertThat(output).contains("Rate-limit policy 'fast-half' refills a token every 3.333 µs")
			.contains("about 250000 a second instead of 300000");
	}

	@Test
	void windowWithAFractionOfAMicrosecondShouldBeRoundedUpToTheNextWholeMicrosecond() {
		// one token every 1 999 ns: the store counts whole microseconds, and must round to 2 µs, never to 1 µs (twice
		// the policy's rate)
		RateLimiter limiter = newLimiter(new RateLimitPolicy("sub-micro", 1, Duration.ofNanos(1999), 0), this.prefix,
				OnFailure.DENY, PATIENT, null);
		RateLimitDecision decision = limiter.tryAcquire("client-1");
		assertThat(decision.allowed()).isTrue();
		assertThat(decision.resetAfter()).isEqualTo(Duration.ofNanos(2000));
	}

	@Test
	void keyOfAPolicyThatNeverRefillsShouldLiveForDecades() {
		RateLimiter limiter = new RedisRateLimiter(new RateLimitPolicy("once", 0, Duration.ofMinutes(1), 3),
				connector(), new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.DENY), null, null);
		limiter.tryAcquire("client-1");
		// a key of its own: its value counts tokens, and no version that reads a time must find it
		assertThat(redis.command("EXISTS", this.prefix + "{once:client-1}")).isEqualTo(":0");
		long ttl = Long.parseLong(redis.command("PTTL", this.prefix + "{once:client-1}:n").substring(1));
		assertThat(Duration.ofMillis(ttl)).isGreaterThan(Duration.ofDays(365L * 90));
		// one token taken, of a bucket of three
		assertThat(redis.command("GET", this.prefix + "{once:client-1}:n")).isEqualTo("1 3");
	}

	@Test
	void severalPermitsOfAPolicyThatNeverRefillsShouldStayTakenAsOneDoes() {
		RateLimitPolicy once = new RateLimitPolicy("once", 0, Duration.ofMinutes(1), 4);
		RateLimiter limiter = new RedisRateLimiter(once, connector(),
				new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.DENY), null, null);
		assertThat(limiter.tryAcquire("client-1", 2).allowed()).isTrue();
		assertThat(limiter.tryAcquire("client-1", 2).allowed()).isTrue();
		RateLimitDecision spent = limiter.tryAcquire("client-1", 2);
		assertThat(spent.allowed()).isFalse();
		assertThat(spent.retryAfter()).isEqualTo(RedisRateLimiter.NEVER);
		// a count of tokens taken, under the key of its own that lives for decades
		assertThat(redis.command("GET", this.prefix + "{once:client-1}:n")).isEqualTo("4 4");
		long ttl = Long.parseLong(redis.command("PTTL", this.prefix + "{once:client-1}:n").substring(1));
		assertThat(Duration.ofMillis(ttl)).isGreaterThan(Duration.ofDays(365L * 90));
	}

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource({ "5 per PT1M + 0, 5 per PT1M + 5, 10", "5 per PT1M + 5, 5 per PT1M + 0, 10",
			"0 per PT1M + 1, 0 per PT1M + 2, 2" })
	void instancesWithDifferentBurstsShouldGiveAClientNoMoreThanTheLargerBucket(String before, String after,
			int larger) {
		// a rolling change of a quota: for a while old and new instances decide on the same keys
		RateLimiter old = newLimiter(policy("webhook", before), this.prefix, OnFailure.DENY, PATIENT, null);
		RateLimiter changed = newLimiter(policy("webhook", after), this.prefix, OnFailure.DENY, PATIENT, null);
		int allowed = 0;
		for (int i = 0; i < 100; i++) {
			allowed += ((i % 2 == 0) ? changed : old).tryAcquire("203.0.113.7").allowed() ? 1 : 0;
		}
		assertThat(allowed).isEqualTo(larger);
	}

	@Test
	void instancesWithDifferentRatesShouldGiveAClientAtMostBothBucketsOnce() {
		// the debt is time: 70 tokens at 60 a minute are 7 at 60 in ten minutes
		RateLimiter fast = newLimiter(policy("chat", "60 per PT1M + 10"), this.prefix, OnFailure.DENY, PATIENT, null);
		RateLimiter slow = newLimiter(policy("chat", "60 per PT10M + 10"), this.prefix, OnFailure.DENY, PATIENT,
				null);
		int allowed = 0;
		for (int round = 0; round < 3; round++) {
			for (RateLimiter instance : List.of(fast, slow)) {
				for (int i = 0; i < 100; i++) {
					allowed += instance.tryAcquire("client-1").allowed() ? 1 : 0;
				}
			}
		}
		assertThat(allowed).isBetween(70, 140);
	}

	@Test
	void bucketOfALargerQuotaShouldBeLeftAsItIsByTheRefusalsOfASmallerOne() {
		RateLimiter larger = newLimiter(policy("webhook", "5 per PT1M + 5"), this.prefix, OnFailure.DENY, PATIENT,
				null);
		RateLimiter smaller = newLimiter(policy("webhook", "5 per PT1M + 0"), this.prefix, OnFailure.DENY, PATIENT,
				null);
		larger.tryAcquire("client-1", 8);
		String stored = redis.command("GET", this.prefix + "{webhook:client-1}");
		RateLimitDecision refused = smaller.tryAcquire("client-1");
		assertThat(refused.allowed()).isFalse();
		// 8 tokens owed; the smaller bucket holds 5, so one is free again when 4 are back
		assertThat(refused.retryAfter()).isCloseTo(Duration.ofSeconds(48), Duration.ofSeconds(1));
		assertThat(redis.command("GET", this.prefix + "{webhook:client-1}")).isEqualTo(stored);
	}

	@Test
	void bareTimeAsOlderVersionsWroteShouldBeReadAsThisPolicysBucket() {
		RateLimiter limiter = limiter(OnFailure.DENY);
		limiter.tryAcquire("client-1", 10);
		String key = this.prefix + "{api:client-1}";
		String stored = redis.command("GET", key);
		assertThat(stored).matches("\\d+ \\d+");
		redis.command("SET", key, stored.substring(0, stored.indexOf(' ')), "PX", "60000");
		assertThat(limiter.tryAcquire("client-1").remaining()).isEqualTo(4);
	}

	@Test
	void keysThatDifferOnlyInALoneSurrogateShouldBeTwoClientsAsInMemory() {
		// a principal name from a JSON escape of half a surrogate pair: UTF-8 writes a lone surrogate as '?'
		RateLimiter limiter = newLimiter(new RateLimitPolicy("api", 1, Duration.ofMinutes(1), 0), this.prefix,
				OnFailure.DENY, PATIENT, null);
		assertThat(limiter.tryAcquire("principal:a\uD800").allowed()).isTrue();
		assertThat(limiter.tryAcquire("principal:a?").allowed()).isTrue();
		assertThat(limiter.tryAcquire("principal:a\uDC00").allowed()).isTrue();
		assertThat(limiter.tryAcquire("principal:a\uD800").allowed()).isFalse();
	}

	/** A policy written {@code "<requests> per <ISO window> + <burst>"}. */
	private static RateLimitPolicy policy(String name, String quota) {
		String[] parts = quota.split(" ");
		return new RateLimitPolicy(name, Long.parseLong(parts[0]), Duration.parse(parts[2]), Long.parseLong(parts[4]));
	}

	@Test
	void keyShouldBeGoneOnceItsBucketIsFull() {
		RateLimitPolicy fast = new RateLimitPolicy("fast", 10, Duration.ofSeconds(1), 0);
		RateLimiter limiter = newLimiter(fast, this.prefix, OnFailure.DENY, TIMEOUT.plusSeconds(1), null);
		RateLimitDecision decision = limiter.tryAcquire("client-1", 2);
		assertThat(decision.resetAfter()).isEqualTo(Duration.ofMillis(200));
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(redis.command("EXISTS", this.prefix + "{fast:client-1}")).isEqualTo(":0"));
	}

	@Test
	void refusalShouldWriteNothing() {
		RateLimiter limiter = limiter(OnFailure.DENY);
		limiter.tryAcquire("client-1", 15);
		String stored = redis.command("GET", this.prefix + "{api:client-1}");
		assertThat(limiter.tryAcquire("client-1").allowed()).isFalse();
		assertThat(redis.command("GET", this.prefix + "{api:client-1}")).isEqualTo(stored);
	}

	@Test
	void requestForMorePermitsThanALongOfMicrosecondsHoldsShouldBeRefusedAsNeverAllowed() {
		RateLimiter limiter = limiter(OnFailure.DENY);
		RateLimitDecision decision = limiter.tryAcquire("client-1", Long.MAX_VALUE);
		assertThat(decision.allowed()).isFalse();
		assertThat(decision.retryAfter()).isEqualTo(RedisRateLimiter.NEVER);
		assertThat(limiter.tryAcquire("client-1", 15).allowed()).isTrue();
	}

	@ParameterizedTest
	@ValueSource(longs = { 0, -1, Long.MIN_VALUE })
	void requestForLessThanOnePermitShouldBeRefusedAsAMistakeNotGiveTokensBack(long permits) {
		RateLimiter limiter = limiter(OnFailure.DENY);
		assertThat(limiter.tryAcquire("client-1", 15).allowed()).isTrue();
		assertThatIllegalArgumentException().isThrownBy(() -> limiter.tryAcquire("client-1", permits))
			.withMessageContaining("permits must be at least 1");
		assertThat(limiter.tryAcquire("client-1").allowed()).isFalse();
	}

	@Test
	void keyOfAnotherTypeShouldBeReplacedByAFreshBucketWithoutFailingTheDecision() {
		RateLimiter limiter = limiter(OnFailure.DENY);
		// data of another kind at a client's bucket (a manual fix gone wrong): Redis answers WRONGTYPE to a GET
		redis.command("HSET", this.prefix + "{api:client-1}", "field", "value");
		RateLimitDecision decision = limiter.tryAcquire("client-1");
		assertThat(decision.allowed()).isTrue();
		assertThat(decision.remaining()).isEqualTo(14);
		assertThat(redis.command("TYPE", this.prefix + "{api:client-1}")).isEqualTo("+string");
		assertThat(limiter.tryAcquire("client-2").allowed()).isTrue();
	}

	@Test
	void userRefusedTheReadOfItsBucketsShouldFailTheDecisionNotBeAllowedEveryRequest() {
		// the README's permissions but +get (a typo in an ACL file, or a write-only %W~ key pattern)
		String user = "noget-" + UUID.randomUUID();
		redis.command("ACL", "SETUSER", user, "on", ">pw", "~" + this.prefix + "*", "+evalsha", "+eval",
				"+script|load", "+time", "+psetex", "+ping", "+hello", "+client");
		RedisClient client = RedisClient.create("redis://" + user + ":pw@127.0.0.1:" + redis.port());
		clients.add(client);
		var commands = client.connect(ByteArrayCodec.INSTANCE).async();
		RateLimiter limiter = new RedisRateLimiter(new RateLimitPolicy("api", 1, Duration.ofMinutes(1), 0),
				new LettuceConnector(() -> commands), new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.DENY),
				null, null);
		assertThatExceptionOfType(RateLimitStoreUnavailableException.class)
			.isThrownBy(() -> limiter.tryAcquire("client-1"))
			.havingRootCause()
			.isInstanceOf(RedisCommandExecutionException.class)
			.withMessageContaining("can't run this command");
		redis.command("ACL", "DELUSER", user);
	}

	@ParameterizedTest(name = "stored {0}")
	@ValueSource(strings = { "1e300", "inf", "nan", "99999999999999999999", "99999999999999999999 1e300",
			"99999999999999999999 99999999999999999999", "inf inf", "nan nan", "99999999999999999999 x" })
	void valueBeyondAFullBucketShouldBeCutBackToAFullBucketsDebt(String stored) {
		RateLimiter limiter = limiter(OnFailure.DENY);
		String key = this.prefix + "{api:client-1}";
		redis.command("SET", key, stored);
		RateLimitDecision refused = limiter.tryAcquire("client-1");
		assertThat(refused.allowed()).isFalse();
		// no bucket of 15 tokens, one back a minute, owes more than 15 minutes, and one token is back in a minute
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(1));
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofMinutes(15));
		assertThat(refused.remaining()).isZero();
		long ttl = Long.parseLong(redis.command("PTTL", key).substring(1));
		assertThat(ttl).isBetween(1L, Duration.ofMinutes(15).toMillis());
	}

	@Test
	void redisClockSteppingBackShouldNotMakeAClientWaitLongerThanItsBucketTakesToRefill() {
		// Redis's own clock, which the script reads: an NTP step, or a fail-over to a replica whose clock lags
		AtomicLong redisClockOffsetMicros = new AtomicLong();
		RateLimitPolicy policy = new RateLimitPolicy("webhook", 5, Duration.ofMinutes(1), 0);
		RateLimiter limiter = new RedisRateLimiter(policy, connector(),
				new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.DENY), null, null, System::nanoTime,
				redisClockOffsetMicros::get);
		for (int i = 0; i < 5; i++) {
			assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
		}
		redisClockOffsetMicros.set(-Duration.ofMinutes(10).toNanos() / 1000);
		RateLimitDecision refused = limiter.tryAcquire("client-1");
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(12));
		assertThat(refused.resetAfter()).isEqualTo(Duration.ofMinutes(1));
	}

	@Test
	void flushedScriptShouldBeSentAgainWithoutLosingTheBucket() {
		RateLimiter limiter = limiter(OnFailure.DENY);
		assertThat(limiter.tryAcquire("client-1").remaining()).isEqualTo(14);
		assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("+OK");
		assertThat(scriptCached()).isFalse();
		RateLimitDecision afterFlush = limiter.tryAcquire("client-1");
		assertThat(afterFlush.allowed()).isTrue();
		assertThat(afterFlush.remaining()).isEqualTo(13);
		assertThat(scriptCached()).isTrue();
	}

	@Test
	void preparingShouldOpenTheConnectionAndLoadTheScriptBeforeAnyDecision(CapturedOutput output) throws Exception {
		redis.command("SCRIPT", "FLUSH");
		AtomicInteger opened = new AtomicInteger();
		LettuceConnector connector = countingConnector(opened);
		RedisRateLimiter.prepare(connector).get(20, TimeUnit.SECONDS);
		assertThat(opened).hasValue(1);
		assertThat(scriptCached()).isTrue();
		assertThat(output).doesNotContain("Redis Cluster");
		RateLimiter limiter = new RedisRateLimiter(POLICY, connector,
				new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.DENY), null, null);
		assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
		assertThat(opened).hasValue(1);
	}

	@Test
	void preparingWithRedisDownShouldFailQuietlyAndLeaveTheFirstDecisionToTryAgain() throws Exception {
		AtomicInteger opened = new AtomicInteger();
		LettuceConnector connector = preparedWhileRedisWasDown(opened);
		try {
			RateLimiter limiter = new RedisRateLimiter(POLICY, connector,
					new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(10), OnFailure.DENY), null, null);
			assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
			// the decision's attempt, or the background one it waited for (more if some ran before Redis was up)
			assertThat(opened.get()).isGreaterThanOrEqualTo(2);
		}
		finally {
			connector.stop(); // ends the background retries, which would load the script during the next tests
		}
	}

	@Test
	void preparingWithRedisDownShouldKeepTryingInTheBackgroundUntilRedisIsBack() throws Exception {
		AtomicInteger opened = new AtomicInteger();
		LettuceConnector connector = preparedWhileRedisWasDown(opened);
		// no decision comes: the connection opens and the script is loaded all the same, before one does
		try {
			await().atMost(Duration.ofSeconds(20)).until(RedisRateLimiterTests::scriptCached);
			int attempts = opened.get();
			assertThat(attempts).isGreaterThanOrEqualTo(2);
			RateLimiter limiter = new RedisRateLimiter(POLICY, connector,
					new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.DENY), null, null);
			assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
			assertThat(opened).hasValue(attempts);
		}
		finally {
			connector.stop();
		}
	}

	@Test
	void connectionClosedByItsOwnerShouldBeOpenedAgainByTheNextDecision() {
		AtomicInteger opened = new AtomicInteger();
		List<StatefulRedisConnection<byte[], byte[]>> connections = new CopyOnWriteArrayList<>();
		RedisClient client = RedisClient.create(redis.uri());
		clients.add(client);
		LettuceConnector connector = new LettuceConnector(() -> {
			opened.incrementAndGet();
			StatefulRedisConnection<byte[], byte[]> connection = client
				.connect(ByteArrayCodec.INSTANCE);
			connections.add(connection);
			return connection.async();
		});
		RateLimiter limiter = new RedisRateLimiter(POLICY, connector,
				new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(10), OnFailure.DENY), null, null);
		assertThat(limiter.tryAcquire("client-1").remaining()).isEqualTo(14);
		// as Spring's connection factory does to its shared connection on resetConnection() or stop()
		connections.get(0).close();
		assertThat(limiter.tryAcquire("client-1").remaining()).isEqualTo(13);
		assertThat(opened).hasValue(2);
	}

	@Test
	void connectionThatDroppedShouldBeReconnectedByLettuceNotReplaced() {
		AtomicInteger opened = new AtomicInteger();
		LettuceConnector connector = countingConnector(opened);
		RateLimiter limiter = new RedisRateLimiter(POLICY, connector,
				new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(2), OnFailure.ALLOW), null, null);
		assertThat(limiter.tryAcquire("client-1").remaining()).isEqualTo(14);
		redis.stop();
		limiter.tryAcquire("client-1"); // allowed without Redis, while the connection is down
		redis.start();
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> {
				limiter.tryAcquire("client-2");
				// Redis came back empty: the key is there only if Redis made the decision
				return redis.command("EXISTS", this.prefix + "{api:client-2}").equals(":1");
			});
		assertThat(opened).hasValue(1);
	}

	@Test
	void twoInstancesShouldShareOneQuotaExactly() {
		RateLimiter first = limiter(OnFailure.DENY);
		RateLimiter second = limiter(OnFailure.DENY);
		int allowed = 0;
		for (int i = 0; i < 20; i++) {
			allowed += ((i % 2 == 0) ? first : second).tryAcquire("client-1").allowed() ? 1 : 0;
		}
		assertThat(allowed).isEqualTo(15);
		assertThat(first.tryAcquire("client-1").allowed()).isFalse();
		assertThat(second.tryAcquire("client-1").allowed()).isFalse();
	}

	@Test
	void instancesWithJvmClocksMinutesApartShouldAgree() {
		long tenMinutes = Duration.ofMinutes(10).toNanos();
		RateLimiter behind = newLimiter(POLICY, this.prefix, OnFailure.DENY, TIMEOUT.plusSeconds(1),
				() -> System.nanoTime() - tenMinutes);
		RateLimiter ahead = newLimiter(POLICY, this.prefix, OnFailure.DENY, TIMEOUT.plusSeconds(1),
				() -> System.nanoTime() + tenMinutes);
		RateLimitDecision first = behind.tryAcquire("client-1", 14);
		RateLimitDecision second = ahead.tryAcquire("client-1");
		assertThat(first.resetAfter()).isEqualTo(Duration.ofMinutes(14));
		assertThat(second.remaining()).isZero();
		assertThat(second.resetAfter()).isBetween(Duration.ofMinutes(15).minusSeconds(10), Duration.ofMinutes(15));
		RateLimitDecision refusedBehind = behind.tryAcquire("client-1");
		RateLimitDecision refusedAhead = ahead.tryAcquire("client-1");
		assertThat(refusedBehind.allowed()).isFalse();
		assertThat(refusedAhead.allowed()).isFalse();
		assertThat(refusedAhead.retryAfter()).isBetween(refusedBehind.retryAfter().minusSeconds(1),
				refusedBehind.retryAfter());
	}

	@Test
	void slowRedisShouldCostNoMoreThanTheTimeoutAndAllowWhenSoConfigured() {
		List<Long> waits = new CopyOnWriteArrayList<>();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RateLimiter limiter = new RedisRateLimiter(POLICY, recordingConnector(waits, new AtomicInteger()),
				config(OnFailure.ALLOW), null, errors::add);
		// longer than any stall of a busy build machine: Redis's answer cannot come in time
		pauseRedis(Duration.ofSeconds(30));
		RateLimitDecision decision = limiter.tryAcquire("client-1");
		// what the decision waited for Redis's reply, not how long the machine took to run it
		assertThat(waits).hasSize(1);
		assertThat(Duration.ofNanos(waits.get(0))).isLessThanOrEqualTo(TIMEOUT);
		assertThat(errors).singleElement().isInstanceOf(TimeoutException.class);
		assertThat(decision.allowed()).isTrue();
		assertThat(decision.limit()).isEqualTo(15);
		// as from a full bucket: one token taken, back after one refill interval (10 minutes / 10)
		assertThat(decision.remaining()).isEqualTo(14);
		assertThat(decision.resetAfter()).isEqualTo(Duration.ofMinutes(1));
		assertThat(limiter.tryAcquire("client-1", 3).resetAfter()).isEqualTo(Duration.ofMinutes(3));
	}

	@Test
	void slowRedisShouldBeReportedWithTheTimeoutItMissed(CapturedOutput output) {
		RateLimiter limiter = impatientLimiter(OnFailure.ALLOW);
		pauseRedis(Duration.ofSeconds(2));
		limiter.tryAcquire("client-1");
		assertThat(output).contains("Redis did not decide for rate-limit policy 'api' (no answer within the timeout "
				+ "of 50 ms); deciding allow instead");
	}

	@Test
	void redisRefusingWritesShouldNotBeSaidToAnswerAgainForARefusalItStillMakes(CapturedOutput output) {
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector(), new RedisRateLimiterConfig(this.prefix,
				PATIENT, OnFailure.LOCAL), new LocalRateLimiter(POLICY, 100), errors::add);
		assertThat(limiter.tryAcquire("spent", 15).allowed()).isTrue();
		refuseWrites();
		try {
			limiter.tryAcquire("new-client");
			assertThat(limiter.isAnswering()).isFalse();
			// a refusal writes nothing, so Redis still makes it
			assertThat(limiter.tryAcquire("spent").allowed()).isFalse();
			assertThat(limiter.isAnswering()).isFalse();
			limiter.tryAcquire("another-client");
			assertThat(errors).hasSize(2);
			assertThat(output).contains("Redis did not decide for rate-limit policy 'api'")
				.doesNotContain("Redis answers again");
		}
		finally {
			acceptWrites();
		}
		assertThat(limiter.tryAcquire("new-client").allowed()).isTrue();
		assertSaidToAnswerAgain(limiter, output);
	}

	@Test
	void redisRefusingWritesInWordsOfItsOwnShouldNotBeSaidToAnswerAgainForARefusal(CapturedOutput output) {
		// min-replicas-to-write on a Redis without replicas: NOREPLICAS, one of several ways Redis refuses a write
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector(), new RedisRateLimiterConfig(this.prefix,
				PATIENT, OnFailure.LOCAL), new LocalRateLimiter(POLICY, 100), null);
		assertThat(limiter.tryAcquire("spent", 15).allowed()).isTrue();
		redis.command("CONFIG", "SET", "min-replicas-to-write", "1");
		try {
			limiter.tryAcquire("new-client");
			assertThat(output).contains("NOREPLICAS");
			assertThat(limiter.isAnswering()).isFalse();
			assertThat(limiter.tryAcquire("spent").allowed()).isFalse();
			assertThat(limiter.isAnswering()).isFalse();
			assertThat(output).doesNotContain("Redis answers again");
		}
		finally {
			redis.command("CONFIG", "SET", "min-replicas-to-write", "0");
		}
		assertThat(limiter.tryAcquire("new-client").allowed()).isTrue();
		assertThat(limiter.isAnswering()).isTrue();
	}

	@Test
	void decisionRedisFailedShouldNotBeSentAgainWithEval() {
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector(), new RedisRateLimiterConfig(this.prefix,
				PATIENT, OnFailure.ALLOW), null, null);
		assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
		refuseWrites();
		try {
			redis.command("CONFIG", "RESETSTAT");
			limiter.tryAcquire("client-2");
			assertThat(limiter.isAnswering()).isFalse();
		}
		finally {
			acceptWrites();
		}
		// only NOSCRIPT is answered with EVAL: a failing Redis is not sent every decision twice
		assertThat(redis.command("INFO", "commandstats")).contains("cmdstat_evalsha:")
			.doesNotContain("cmdstat_eval:");
	}

	@Test
	void lateAnswerAfterARefusedWriteShouldNotMakeARefusalLookLikeRedisBack(CapturedOutput output) {
		RedisRateLimiter limiter = answeringWithKeySpent();
		refuseWrites();
		try {
			limiter.tryAcquire("new-client");
			assertThat(limiter.isAnswering()).isFalse();
			pauseRedis(Duration.ofSeconds(1));
			// no answer within 300 ms: a failure of another kind while Redis still refuses writes
			limiter.tryAcquire("new-client");
			redis.command("CLIENT", "UNPAUSE");
			assertThat(limiter.tryAcquire("spent").allowed()).isFalse();
			assertThat(limiter.isAnswering()).isFalse();
			assertThat(output).doesNotContain("Redis answers again");
		}
		finally {
			redis.command("CLIENT", "UNPAUSE");
			acceptWrites();
		}
	}

	@Test
	void refusedWriteAfterAFailureOfAnotherKindShouldNotMakeARefusalLookLikeRedisBack(CapturedOutput output) {
		RedisRateLimiter limiter = answeringWithKeySpent();
		pauseRedis(Duration.ofSeconds(1));
		// no answer within 300 ms, and then, Redis back, a write it refuses
		limiter.tryAcquire("new-client");
		redis.command("CLIENT", "UNPAUSE");
		assertThat(limiter.isAnswering()).isFalse();
		refuseWrites();
		try {
			limiter.tryAcquire("new-client");
			assertThat(limiter.tryAcquire("spent").allowed()).isFalse();
			assertThat(limiter.isAnswering()).isFalse();
			assertThat(output).doesNotContain("Redis answers again");
		}
		finally {
			acceptWrites();
		}
		assertThat(limiter.tryAcquire("new-client").allowed()).isTrue();
		assertSaidToAnswerAgain(limiter, output);
	}

	@Test
	void failureWhileAnAnswerIsOnItsWayShouldStandThoughRedisFailedAlikeBefore() throws Exception {
		CountDownLatch inDecision = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		// holds the deciding thread once it has read how Redis fares, before its command is sent
		RedisRateLimiter limiter = holding("deciding", "decide", inDecision, release);
		awaitAnswering(limiter);
		pauseRedis(Duration.ofSeconds(2));
		limiter.tryAcquire("client-1");
		redis.command("CLIENT", "UNPAUSE");
		assertThat(limiter.isAnswering()).isFalse();
		Thread deciding = new Thread(() -> limiter.tryAcquire("client-2"), "deciding");
		try {
			deciding.start();
			assertThat(inDecision.await(10, TimeUnit.SECONDS)).isTrue();
			// a failure of the same kind, newer than what the deciding thread read
			pauseRedis(Duration.ofSeconds(2));
			limiter.tryAcquire("client-3");
			redis.command("CLIENT", "UNPAUSE");
		}
		finally {
			release.countDown();
			deciding.join();
			redis.command("CLIENT", "UNPAUSE");
		}
		assertThat(limiter.isAnswering()).isFalse();
		assertThat(limiter.tryAcquire("client-4").allowed()).isTrue();
		assertThat(limiter.isAnswering()).isTrue();
	}

	@Test
	void failureStillBeingLoggedWhenRedisDecidesAgainShouldBeFollowedByTheReturn(CapturedOutput output)
			throws Exception {
		CountDownLatch inWarning = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		// holds the failing thread inside the limiter's warning, before its WARN is written
		RedisRateLimiter limiter = holding("failing", "warn", inWarning, release);
		awaitAnswering(limiter);
		pauseRedis(Duration.ofSeconds(2));
		Thread failing = new Thread(() -> limiter.tryAcquire("client-1"), "failing");
		try {
			failing.start();
			assertThat(inWarning.await(10, TimeUnit.SECONDS)).isTrue();
			redis.command("CLIENT", "UNPAUSE");
			// Redis decides (and allows) while the failing thread writes its WARN
			assertThat(limiter.tryAcquire("client-2").allowed()).isTrue();
		}
		finally {
			release.countDown();
			failing.join();
			redis.command("CLIENT", "UNPAUSE");
		}
		assertThat(output).contains("Redis did not decide for rate-limit policy 'api'");
		assertThat(limiter.tryAcquire("client-3").allowed()).isTrue();
		assertSaidToAnswerAgain(limiter, output);
	}

	@Test
	void redisBackAfterABusyScriptShouldBeSaidToAnswerAgainThoughItOnlyRefuses(CapturedOutput output) {
		// BUSY refuses every command, refusals included: unlike a refused write, Redis's next refusal shows it back
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector(), new RedisRateLimiterConfig(this.prefix,
				PATIENT, OnFailure.ALLOW), null, null);
		assertThat(limiter.tryAcquire("spent", 15).allowed()).isTrue();
		redis.command("CONFIG", "SET", "lua-time-limit", "10");
		RedisClient other = RedisClient.create(redis.uri());
		clients.add(other);
		try {
			other.connect().async().eval("while true do end", ScriptOutputType.STATUS);
			await().atMost(Duration.ofSeconds(10)).until(() -> redis.command("PING").startsWith("-BUSY"));
			limiter.tryAcquire("spent");
			assertThat(output).contains("BUSY");
			assertThat(limiter.isAnswering()).isFalse();
		}
		finally {
			redis.command("SCRIPT", "KILL");
			redis.command("CONFIG", "SET", "lua-time-limit", "5000");
		}
		assertThat(limiter.tryAcquire("spent").allowed()).isFalse();
		assertSaidToAnswerAgain(limiter, output);
	}

	@Test
	void redisBackAfterAnOutageShouldBeSaidToAnswerAgainThoughItOnlyRefuses(CapturedOutput output) {
		RedisRateLimiter limiter = answeringWithKeySpent();
		pauseRedis(Duration.ofSeconds(2));
		limiter.tryAcquire("spent");
		assertThat(limiter.isAnswering()).isFalse();
		assertThat(output).contains("Redis did not decide for rate-limit policy 'api'");
		// back: this policy's only client is over its quota, and Redis refuses it
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> !limiter.tryAcquire("spent").allowed() && limiter.isAnswering());
		assertThat(output).contains("Redis answers again: rate-limit policy 'api'");
	}

	@Test
	void redisThatCannotBeConnectedToShouldBeReportedAsSuchNotAsASlowAnswer(CapturedOutput output) throws Exception {
		// accepts connections and never says a word: a Redis behind a proxy whose Redis is down, or not Redis at all
		try (SilentServer silent = new SilentServer()) {
			RedisClient client = RedisClient.create("redis://127.0.0.1:" + silent.port() + "?timeout=1s");
			clients.add(client);
			List<RuntimeException> failedAttempts = new CopyOnWriteArrayList<>();
			LettuceConnector connector = new LettuceConnector(() -> {
				try {
					return client.connect(ByteArrayCodec.INSTANCE).async();
				}
				catch (RuntimeException ex) {
					failedAttempts.add(ex);
					throw ex;
				}
			});
			AtomicLong clock = new AtomicLong();
			RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector, config(OnFailure.ALLOW), null, null,
					clock::get, null);
			limiter.tryAcquire("client-1");
			await().atMost(Duration.ofSeconds(10)).until(() -> !failedAttempts.isEmpty());
			// a minute later (the WARN comes at most once a minute) the next decision waits for a new attempt
			clock.addAndGet(Duration.ofSeconds(61).toNanos());
			limiter.tryAcquire("client-1");
			List<String> warnings = output.getAll()
				.lines()
				.filter((line) -> line.contains("Redis did not decide for rate-limit policy 'api'"))
				.toList();
			assertThat(warnings).hasSize(2);
			assertThat(warnings.get(1)).contains("Unable to connect").doesNotContain("no answer within the timeout");
		}
	}

	@Test
	void refusedPasswordShouldBeReportedWithRedisOwnWordsNotOnlyAsAFailedConnect(CapturedOutput output) {
		// a user this Redis does not know: Lettuce's "Unable to connect" wraps the WRONGPASS Redis answered
		RedisClient client = RedisClient.create("redis://nobody:wrong@127.0.0.1:" + redis.port());
		clients.add(client);
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY,
				new LettuceConnector(() -> client.connect(ByteArrayCodec.INSTANCE).async()),
				new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.ALLOW), null, null);
		assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
		assertThat(output).contains("Redis did not decide for rate-limit policy 'api' (")
			.contains("Unable to connect")
			.contains(", caused by io.lettuce.core.RedisCommandExecutionException: WRONGPASS");
	}

	@Test
	void failureWhoseCausesFormACycleShouldStillBeReportedAndDecided(CapturedOutput output) {
		IllegalStateException first = new IllegalStateException("first");
		IllegalStateException second = new IllegalStateException("second", first);
		first.initCause(second);
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, new LettuceConnector(() -> {
			throw first;
		}), new RedisRateLimiterConfig(this.prefix, PATIENT, OnFailure.ALLOW), null, null);
		assertTimeoutPreemptively(Duration.ofSeconds(10),
				() -> assertThat(limiter.tryAcquire("client-1").allowed()).isTrue());
		assertThat(output)
			.contains("Redis did not decide for rate-limit policy 'api' (java.lang.IllegalStateException: first)");
	}

	@Test
	void slowRedisShouldDenyWith503SemanticsWhenSoConfigured() {
		List<Long> waits = new CopyOnWriteArrayList<>();
		RateLimiter limiter = new RedisRateLimiter(POLICY, recordingConnector(waits, new AtomicInteger()),
				config(OnFailure.DENY), null, null);
		pauseRedis(Duration.ofSeconds(30));
		assertThatExceptionOfType(RateLimitStoreUnavailableException.class)
			.isThrownBy(() -> limiter.tryAcquire("client-1"))
			.withMessageContaining("'api'")
			.withCauseInstanceOf(TimeoutException.class);
		assertThat(waits).hasSize(1);
		assertThat(Duration.ofNanos(waits.get(0))).isLessThanOrEqualTo(TIMEOUT);
	}

	@Test
	void slowRedisShouldLeaveTheDecisionToTheFallbackWhenLocal() {
		List<String> fallbackKeys = new CopyOnWriteArrayList<>();
		RateLimitDecision fromFallback = new RateLimitDecision(false, 15, 0, Duration.ofSeconds(7),
				Duration.ofSeconds(9));
		RateLimiter fallback = (key, permits) -> {
			fallbackKeys.add(key + "x" + permits);
			return fromFallback;
		};
		RateLimiter limiter = new RedisRateLimiter(POLICY, connector(), config(OnFailure.LOCAL), fallback, null);
		// long enough that no stall of a busy build machine outlasts it; unpaused after the test
		pauseRedis(Duration.ofSeconds(30));
		assertThat(limiter.tryAcquire("client-1", 2)).isSameAs(fromFallback);
		assertThat(fallbackKeys).containsExactly("client-1x2");
	}

	@Test
	void repeatedFailuresShouldStopTheLimiterAskingRedisUntilTheRetryIntervalHasPassed() {
		AtomicLong clock = new AtomicLong();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, TIMEOUT, OnFailure.ALLOW, 3,
				Duration.ofSeconds(5));
		AtomicInteger scriptsSent = new AtomicInteger();
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, recordingConnector(new CopyOnWriteArrayList<>(),
				scriptsSent), config, null, errors::add, clock::get, null);
		pauseRedis(Duration.ofSeconds(3));
		for (int i = 0; i < 3; i++) {
			limiter.tryAcquire("client-1");
		}
		assertThat(errors).hasSize(3).noneMatch(RedisResting.class::isInstance);
		assertThat(scriptsSent).hasValue(3);
		for (int i = 0; i < 100; i++) {
			assertThat(limiter.tryAcquire("client-1").allowed()).isTrue();
		}
		// resting: no decision asked Redis, so none waited for it
		assertThat(scriptsSent).hasValue(3);
		assertThat(errors).hasSize(103);
		assertThat(errors.subList(3, 103)).allMatch(RedisResting.class::isInstance);
		redis.command("CLIENT", "UNPAUSE");
		clock.addAndGet(Duration.ofSeconds(5).toNanos());
		await().atMost(Duration.ofSeconds(10)).until(() -> limiter.tryAcquire("client-1").remaining() < 14);
		int errorsBefore = errors.size();
		assertThat(limiter.tryAcquire("client-1").remaining()).isLessThan(14);
		assertThat(errors).hasSize(errorsBefore);
	}

	@Test
	void decisionsThatTimeOutTogetherShouldCountAsOneFailureAndOnlyFailuresInARowShouldGiveRedisARest()
			throws Exception {
		AtomicLong clock = new AtomicLong();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		// long enough that the burst's decisions are all on their way before the first one times out
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(1), OnFailure.ALLOW,
				3, Duration.ofSeconds(5));
		AtomicInteger scriptsSent = new AtomicInteger();
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, recordingConnector(new CopyOnWriteArrayList<>(),
				scriptsSent), config, null, errors::add, clock::get, null);
		awaitAnswering(limiter);
		timeOutTogether(limiter, scriptsSent, errors);
		// one failure so far: the next two decisions, each sent after the one before failed, still ask Redis
		limiter.tryAcquire("client-1");
		limiter.tryAcquire("client-1");
		assertThat(scriptsSent).hasValue(12);
		assertThat(errors).hasSize(12).noneMatch(RedisResting.class::isInstance);
		// three in a row: a rest
		limiter.tryAcquire("client-1");
		assertThat(scriptsSent).hasValue(12);
		assertThat(errors).hasSize(13);
		assertThat(errors.get(12)).isInstanceOf(RedisResting.class);
	}

	@Test
	void hungRedisUnderSteadyConcurrentLoadShouldStillGetARestWithinAboutThreeTimeouts() throws Exception {
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, Duration.ofMillis(200), OnFailure.ALLOW,
				3, Duration.ofSeconds(30));
		AtomicInteger scriptsSent = new AtomicInteger();
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, recordingConnector(new CopyOnWriteArrayList<>(),
				scriptsSent), config, null, errors::add, System::nanoTime, null);
		awaitAnswering(limiter);
		scriptsSent.set(0);
		pauseRedis(Duration.ofSeconds(30));
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			// each client asks again as soon as it has its answer, until Redis is resting
			ConcurrentRun.together(pool, 8, Duration.ofSeconds(20), (thread) -> {
				while (errors.isEmpty() || !(errors.get(errors.size() - 1) instanceof RedisResting)) {
					limiter.tryAcquire("client-" + thread);
				}
			});
		}
		finally {
			pool.shutdownNow();
		}
		// one round of eight sent together counts once: three rounds, and the stragglers of a fourth at most
		assertThat(scriptsSent.get()).isBetween(3, 8 * 4);
	}

	@Test
	void probeThatFailsShouldGiveRedisAnotherRestThoughALateFailureOfTheClosedPeriodMovedTheCount() throws Exception {
		AtomicLong fake = new AtomicLong();
		CountDownLatch firstHeld = new CountDownLatch(1);
		CountDownLatch releaseFirst = new CountDownLatch(1);
		// holds the thread "first" inside the breaker's recording of its failure, after the limiter has counted it
		// and before the breaker opens
		LongSupplier clock = () -> {
			if (Thread.currentThread().getName().equals("first") && StackWalker.getInstance()
				.walk((frames) -> frames.anyMatch((frame) -> frame.getMethodName().equals("recordFailure")))) {
				firstHeld.countDown();
				try {
					releaseFirst.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return fake.get();
		};
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		AtomicInteger scriptsSent = new AtomicInteger();
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, Duration.ofMillis(1500),
				OnFailure.ALLOW, 1, Duration.ofSeconds(2));
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, recordingConnector(new CopyOnWriteArrayList<>(),
				scriptsSent), config, null, errors::add, clock, null);
		awaitAnswering(limiter);
		scriptsSent.set(0);
		pauseRedis(Duration.ofSeconds(30));
		Thread first = new Thread(() -> limiter.tryAcquire("client-a"), "first");
		first.start();
		assertThat(firstHeld.await(10, TimeUnit.SECONDS)).isTrue();
		// admitted in the closed period, after the opening failure was counted; fails late
		Thread late = new Thread(() -> limiter.tryAcquire("client-b"), "late");
		late.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> scriptsSent.get() == 2);
		releaseFirst.countDown();
		first.join(10_000);
		limiter.tryAcquire("client-c");
		assertThat(errors.get(errors.size() - 1)).isInstanceOf(RedisResting.class);
		// after the rest, one probe, sent while the late decision still waits for its answer
		fake.addAndGet(Duration.ofSeconds(3).toNanos());
		Thread probe = new Thread(() -> limiter.tryAcquire("client-p"), "probe");
		probe.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> scriptsSent.get() == 3);
		late.join(10_000);
		probe.join(10_000);
		int errorsBefore = errors.size();
		limiter.tryAcquire("client-d");
		assertThat(scriptsSent).as("a decision after the failed probe asked Redis").hasValue(3);
		assertThat(errors.get(errorsBefore)).isInstanceOf(RedisResting.class);
	}

	@Test
	void probeThatThrowsAnErrorShouldNotKeepRedisRestingForFiveMinutes() {
		AtomicLong clock = new AtomicLong();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		AtomicInteger scriptsSent = new AtomicInteger();
		AtomicBoolean outOfMemory = new AtomicBoolean();
		LettuceConnector connector = outOfMemoryWhen(outOfMemory,
				recordingConnector(new CopyOnWriteArrayList<>(), scriptsSent));
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, TIMEOUT, OnFailure.DENY, 1,
				Duration.ofSeconds(2));
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector, config, null, errors::add, clock::get,
				null);
		awaitAnswering(limiter);
		// one failure gives Redis its 2 s rest
		pauseRedis(Duration.ofSeconds(2));
		assertThatExceptionOfType(RateLimitStoreUnavailableException.class)
			.isThrownBy(() -> limiter.tryAcquire("client-1"));
		redis.command("CLIENT", "UNPAUSE");
		clock.addAndGet(Duration.ofSeconds(3).toNanos());
		// the probe runs out of memory while Lettuce builds its command: the request fails with the error
		outOfMemory.set(true);
		assertThatExceptionOfType(OutOfMemoryError.class).isThrownBy(() -> limiter.tryAcquire("client-2"));
		outOfMemory.set(false);
		// memory is back, Redis answers; another retry interval, and then four minutes, pass
		clock.addAndGet(Duration.ofSeconds(3).toNanos());
		clock.addAndGet(Duration.ofMinutes(4).toNanos());
		assertAnsweredByRedis(limiter, scriptsSent);
	}

	@Test
	void cancelledDecisionThatWinsTheCountShouldNotHideATimeOutOfItsRound() throws Exception {
		AtomicLong clock = new AtomicLong();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		AtomicInteger scriptsSent = new AtomicInteger();
		LettuceConnector recording = recordingConnector(new CopyOnWriteArrayList<>(), scriptsSent);
		// the decisions of client "c" are cancelled 100 ms after they are sent, as Lettuce cancels the commands of a
		// connection its owner closes; the others wait for a hung Redis
		LettuceConnector connector = new LettuceConnector(() -> {
			RedisAsyncCommands<byte[], byte[]> commands;
			try {
				commands = (RedisAsyncCommands<byte[], byte[]>) recording.commands(TimeUnit.SECONDS.toNanos(10));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			return (RedisAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(
					RedisRateLimiterTests.class.getClassLoader(), new Class<?>[] { RedisAsyncCommands.class },
					(proxy, method, args) -> {
						Object result = invoke(commands, method, args);
						if (method.getName().equals("evalsha")
								&& new String(((byte[][]) args[2])[0], StandardCharsets.UTF_8).endsWith(":c}")) {
							RedisFuture<?> future = (RedisFuture<?>) result;
							CompletableFuture
								.delayedExecutor(100, TimeUnit.MILLISECONDS)
								.execute(() -> future.cancel(false));
						}
						return result;
					});
		});
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(this.prefix, Duration.ofMillis(400),
				OnFailure.ALLOW, 1, Duration.ofSeconds(5));
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector, config, null, errors::add, clock::get,
				null);
		awaitAnswering(limiter);
		pauseRedis(Duration.ofSeconds(30));
		// sent together: "a" times out (a failure of Redis), "c" is cancelled first (nothing about Redis)
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			ConcurrentRun.together(pool, 2, Duration.ofSeconds(10),
					(thread) -> limiter.tryAcquire((thread == 0) ? "a" : "c"));
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(errors).hasSize(2);
		assertThat(errors).anyMatch(TimeoutException.class::isInstance);
		// failure threshold 1: the time-out should have given Redis its rest
		int sent = scriptsSent.get();
		limiter.tryAcquire("b");
		assertThat(scriptsSent).as("a decision after the round's time-out still waited for the hung Redis")
			.hasValue(sent);
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
				recordingConnector(lettuceTimingOutAfter(Duration.ofMillis(200)), new CopyOnWriteArrayList<>(),
						scriptsSent), config, null,
				errors::add, clock::get, null);
		awaitAnswering(limiter);
		timeOutTogether(limiter, scriptsSent, errors);
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
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, recordingConnector(new CopyOnWriteArrayList<>(),
				scriptsSent), config, null, errors::add, clock::get, null);
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
			pauseRedis(Duration.ofSeconds(30));
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
			assertAnsweredByRedis(limiter, scriptsSent);
		}
		finally {
			logger.detachAppender(failing);
		}
	}

	@Test
	void errorListenerShouldHearOfEveryDecisionRedisDidNotMake() {
		List<Throwable> errors = new ArrayList<>();
		// long enough for the first answer on a busy machine, short enough for two time-outs within the pause
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector(),
				new RedisRateLimiterConfig(this.prefix, Duration.ofSeconds(1), OnFailure.ALLOW), null, errors::add);
		limiter.tryAcquire("client-1");
		assertThat(errors).isEmpty();
		pauseRedis(Duration.ofSeconds(4));
		limiter.tryAcquire("client-1");
		limiter.tryAcquire("client-1");
		assertThat(errors).hasSize(2);
	}

	/**
	 * A limiter with a 300 ms timeout that allows on failure, once Redis has answered it, with the key
	 * {@code spent} emptied by an allowed decision: its next request is refused by Redis itself.
	 */
	private RedisRateLimiter answeringWithKeySpent() {
		RedisRateLimiter limiter = new RedisRateLimiter(POLICY, connector(),
				new RedisRateLimiterConfig(this.prefix, Duration.ofMillis(300), OnFailure.ALLOW), null, null);
		awaitAnswering(limiter);
		assertThat(limiter.tryAcquire("spent", 15).allowed()).isTrue();
		return limiter;
	}

	/** Makes Redis refuse every write with OOM, as a Redis at its memory limit without eviction does. */
	private static void refuseWrites() {
		redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
		redis.command("CONFIG", "SET", "maxmemory", "1");
	}

	private static void acceptWrites() {
		redis.command("CONFIG", "SET", "maxmemory", "0");
	}

	/** Decides until Redis answers: the first decisions of a cold connection may outlast a short timeout. */
	private static void awaitAnswering(RedisRateLimiter limiter) {
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			limiter.tryAcquire("warm-up");
			return limiter.isAnswering();
		});
	}

	private static void assertSaidToAnswerAgain(RedisRateLimiter limiter, CapturedOutput output) {
		assertThat(limiter.isAnswering()).isTrue();
		assertThat(output).contains("Redis answers again: rate-limit policy 'api'");
	}

	private RateLimiter limiter(OnFailure onFailure) {
		return new RedisRateLimiter(POLICY, connector(), new RedisRateLimiterConfig(this.prefix, PATIENT, onFailure),
				null, null);
	}

	/** A limiter that gives up after {@link #TIMEOUT}, for the tests of a slow Redis. */
	private RateLimiter impatientLimiter(OnFailure onFailure) {
		return new RedisRateLimiter(POLICY, connector(), config(onFailure), null, null);
	}

	private RedisRateLimiterConfig config(OnFailure onFailure) {
		return new RedisRateLimiterConfig(this.prefix, TIMEOUT, onFailure);
	}

	private static RateLimiter newLimiter(RateLimitPolicy policy, String prefix, OnFailure onFailure,
			Duration timeout, LongSupplier nanoClock) {
		RedisRateLimiterConfig config = new RedisRateLimiterConfig(prefix, timeout, onFailure);
		return new RedisRateLimiter(policy, connector(), config, null, null,
				(nanoClock != null) ? nanoClock : System::nanoTime, null);
	}

	/** A connector of its own, as another application instance would have; already connected. */
	private static LettuceConnector connector() {
		RedisClient client = RedisClient.create(redis.uri());
		clients.add(client);
		var commands = client.connect(ByteArrayCodec.INSTANCE).async();
		return new LettuceConnector(() -> commands);
	}

	/** A connector whose {@code evalsha} throws {@link OutOfMemoryError} while {@code flag} is set. */
	@SuppressWarnings("unchecked")
	private static LettuceConnector outOfMemoryWhen(AtomicBoolean flag, LettuceConnector delegate) {
		return new LettuceConnector(() -> {
			Object commands;
			try {
				commands = delegate.commands(TimeUnit.SECONDS.toNanos(10));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			return (RedisAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(
					RedisRateLimiterTests.class.getClassLoader(), new Class<?>[] { RedisAsyncCommands.class },
					(proxy, method, args) -> {
						if (flag.get() && method.getName().equals("evalsha")) {
							throw new OutOfMemoryError("Java heap space");
						}
						return invoke(commands, method, args);
					});
		});
	}

	/**
	 * A connector of its own, already connected, whose commands count the scripts sent (EVALSHA and EVAL) and record
	 * how long the limiter waits for each reply: {@code Long.MAX_VALUE} for a wait without a bound.
	 */
	private static LettuceConnector recordingConnector(List<Long> waitsNanos, AtomicInteger scriptsSent) {
		RedisClient client = RedisClient.create(redis.uri());
		clients.add(client);
		return recordingConnector(client, waitsNanos, scriptsSent);
	}

	@SuppressWarnings("unchecked")
	private static LettuceConnector recordingConnector(RedisClient client, List<Long> waitsNanos,
			AtomicInteger scriptsSent) {
		RedisAsyncCommands<byte[], byte[]> commands = client.connect(ByteArrayCodec.INSTANCE).async();
		RedisAsyncCommands<byte[], byte[]> recording = (RedisAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(
				RedisRateLimiterTests.class.getClassLoader(), new Class<?>[] { RedisAsyncCommands.class },
				(proxy, method, args) -> {
					Object result = invoke(commands, method, args);
					if (!method.getName().equals("evalsha") && !method.getName().equals("eval")) {
						return result;
					}
					scriptsSent.incrementAndGet();
					return Proxy.newProxyInstance(RedisRateLimiterTests.class.getClassLoader(),
							new Class<?>[] { RedisFuture.class }, (future, call, callArgs) -> {
								if (call.getName().equals("get")) {
									waitsNanos.add((callArgs == null) ? Long.MAX_VALUE
											: ((TimeUnit) callArgs[1]).toNanos((Long) callArgs[0]));
								}
								return invoke(result, call, callArgs);
							});
				});
		return new LettuceConnector(() -> recording);
	}

	/**
	 * The next decision, of a limiter that denies on failure, is Redis's, a retry interval after a failed probe: not
	 * refused as if Redis were still resting.
	 */
	private static void assertAnsweredByRedis(RateLimiter limiter, AtomicInteger scriptsSent) {
		int sent = scriptsSent.get();
		RateLimitDecision decision;
		try {
			decision = limiter.tryAcquire("client-3");
		}
		catch (RateLimitStoreUnavailableException ex) {
			throw new AssertionError("a decision after the failed probe is refused as if Redis were resting", ex);
		}
		assertThat(decision.remaining()).isEqualTo(14);
		assertThat(scriptsSent.get()).isEqualTo(sent + 1);
	}

	/**
	 * Pauses Redis and sends ten decisions at once, each from its own thread: all time out, and all are allowed (the
	 * limiters of these tests allow on failure); none was answered by a resting limiter.
	 */
	private static void timeOutTogether(RateLimiter limiter, AtomicInteger scriptsSent, List<Throwable> errors)
			throws Exception {
		scriptsSent.set(0);
		pauseRedis(Duration.ofSeconds(30));
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
	}

	/** A client that times commands out itself, as Spring Boot sets Lettuce up ({@code spring.data.redis.timeout}). */
	private static RedisClient lettuceTimingOutAfter(Duration timeout) {
		RedisURI uri = RedisURI.create(redis.uri());
		uri.setTimeout(timeout);
		RedisClient client = RedisClient.create(uri);
		client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled()).build());
		clients.add(client);
		return client;
	}

	private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	/** A connector whose preparation failed, Redis being down; Redis is up again when it returns. */
	private static LettuceConnector preparedWhileRedisWasDown(AtomicInteger opened) {
		redis.stop();
		LettuceConnector connector = countingConnector(opened);
		try {
			assertThat(RedisRateLimiter.prepare(connector)).failsWithin(Duration.ofSeconds(20));
		}
		finally {
			redis.start();
		}
		return connector;
	}

	private static LettuceConnector countingConnector(AtomicInteger opened) {
		RedisClient client = RedisClient.create(redis.uri());
		clients.add(client);
		return new LettuceConnector(() -> {
			opened.incrementAndGet();
			return client.connect(ByteArrayCodec.INSTANCE).async();
		});
	}

	/** Holds every command that may write, as the limiter's script does, for the duration. */
	/**
	 * A limiter (300 ms timeout, {@code ALLOW}) on the system's clock, but for the thread of the given name when it
	 * reads that clock from within the given method of the limiter: that thread counts {@code held} down and waits
	 * for {@code release}.
	 */
	private RedisRateLimiter holding(String threadName, String methodName, CountDownLatch held,
			CountDownLatch release) {
		LongSupplier clock = () -> {
			if (Thread.currentThread().getName().equals(threadName) && StackWalker.getInstance()
				.walk((frames) -> frames.anyMatch((frame) -> frame.getMethodName().equals(methodName)))) {
				held.countDown();
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return System.nanoTime();
		};
		return new RedisRateLimiter(POLICY, connector(),
				new RedisRateLimiterConfig(this.prefix, Duration.ofMillis(300), OnFailure.ALLOW), null, null, clock,
				null);
	}

	private static void pauseRedis(Duration duration) {
		assertThat(redis.command("CLIENT", "PAUSE", Long.toString(duration.toMillis()), "WRITE")).isEqualTo("+OK");
	}

	private static boolean scriptCached() {
		return redis.command("SCRIPT", "EXISTS", RedisRateLimiter.SCRIPT_SHA).equals(":1");
	}

}
