package io.zeroclaw.resilience.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.ratelimit.KeyDigest;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RateLimiter} whose buckets live in Redis, so that every instance of a service shares one quota per key.
 * <p>
 * <b>Algorithm.</b> The token bucket of {@link RateLimitPolicy} is kept as the Generic Cell Rate Algorithm (GCRA, ITU-T
 * I.371; the "virtual scheduling" form): instead of a token count and a last-refill time, a bucket is one number, its
 * <em>theoretical arrival time</em> (TAT), the instant at which the bucket will be full again. With the emission
 * interval {@code T = window / requestsPerWindow} (the time one token takes to refill) and the capacity
 * {@code C = requestsPerWindow + burst}, a request for {@code n} permits at time {@code now} computes
 * {@code tat = max(stored, now)} and {@code next = tat + n*T}; it is allowed iff {@code next - now <= C*T}, in which
 * case {@code next} is stored. The tokens left are {@code floor((C*T - (next - now)) / T)}, the time until the bucket
 * is full is {@code next - now}, and a refused request may retry after {@code next - now - C*T}. This is the same
 * bucket, decision for decision, as a token count refilled continuously, but it needs one value and no refill loop.
 * <p>
 * <b>Cost model.</b> One round trip per decision (but for refusals remembered, below): an {@code EVALSHA} of a short
 * Lua script that runs atomically in Redis, reads and writes one string key and replies with one integer (the time
 * until the bucket is full, signed to tell an allowance from a refusal), from which the client derives the tokens left
 * and the retry time. Its SHA-1 is computed here; {@link #prepare} loads it at start-up, and when Redis answers
 * {@code NOSCRIPT} all the same (restart, {@code SCRIPT FLUSH}, fail-over) the same decision is sent once with
 * {@code EVAL}, beside a {@code SCRIPT LOAD} that caches the script again (one at a time, not waited for).
 * Arguments are pre-encoded per policy, so a one-permit decision allocates only its key. The time is Redis's own
 * ({@code TIME}, microseconds), so instances with skewed clocks agree
 * and the JVM's clock plays no part in a decision Redis makes. A refusal is remembered by the instance for a while
 * (until one permit would be allowed, a second at most; see {@link RememberedRefusals}), so that a client hammering a
 * spent bucket is refused without a round trip, for as long as Redis would refuse it too. A key expires ({@code PX})
 * when its bucket would be full again, so an idle key costs no memory, and a refusal writes nothing (unless the key
 * held more debt than a full bucket of the policy that wrote it, as after Redis's clock stepped back: that is cut back
 * to a full bucket's). All arithmetic is on whole microseconds below 2<sup>53</sup>, exact in Lua's doubles: {@code T}
 * is rounded up to a whole microsecond, so a policy faster than a million requests a second, or whose interval is a few
 * microseconds and not a whole number of them, runs a little slower than asked (300 000 a second becomes 250 000). A
 * policy that never refills ({@code requestsPerWindow = 0}) stops the script's clock instead: its bucket counts tokens
 * taken, which nothing pays back, under a key of its own ending in {@code :n}, which lives about 95 years.
 * <p>
 * <b>Keys.</b> {@code <key-prefix>{<policy>:<key>}}: the braces are a Redis Cluster hash tag, so one client's bucket
 * lives on one slot while clients spread over the cluster. Keys longer than 64 characters are replaced by their
 * {@link KeyDigest}, which bounds key size; a short key that begins with {@code sha256:} is too, so that no key can
 * name another's digest. (The rate-limit filter digests header values itself, as they are often credentials.)
 * <p>
 * <b>Failures.</b> A decision waits at most the configured timeout (Lettuce's own command timeout is global and
 * usually far longer). When Redis fails, is slow, or has failed {@code failureThreshold} times in a row (decisions
 * that time out together count once) and is being given a rest, the decision follows {@link OnFailure}: the in-memory
 * fallback limiter, allow, or {@link RateLimitStoreUnavailableException}. Every such decision is reported to the error
 * listener; failures are logged at WARN at most once a minute. The rest is the project's own {@link CircuitBreaker},
 * one per limiter, with one probe: after the rest one decision probes Redis again, and a success returns to it.
 */
public final class RedisRateLimiter implements RateLimiter {

	/** See {@link #health}: Redis made the latest decision, or none was asked yet. */
	private static final long ANSWERING = 0;

	/** See {@link #health}: Redis did not decide (no answer in time, an error reply, no connection) since then. */
	private static final long FAILING = 1;

	/**
	 * See {@link #health}: Redis refused the script's write since it last allowed a request: out of memory, a replica,
	 * a failed snapshot, too few replicas. The script writes only for an allowance, so refusals, which write nothing,
	 * still succeed and show nothing.
	 */
	private static final long WRITES_REFUSED = 2;

	/** The level bits of {@link #health}; the bits above count failures. */
	private static final long LEVEL = 3;

	/** What Redis's error replies for a refused write begin with (inside a script error on Redis before 7). */
	private static final List<String> WRITE_REFUSALS = List.of("OOM command not allowed", "READONLY ", "NOREPLICAS ",
			"MISCONF ");

	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimiter.class);

	/*
	 * KEYS[1]: the bucket; ARGV: the permits' cost n*T (us), the tolerance C*T (us), a clock offset (us; zero but in
	 * tests). Reply: one integer, the time until the bucket is full (us, > 0) when allowed, and -1 - (time until the
	 * bucket was full before the request) when refused; the client derives the rest. The script does only what must
	 * be atomic, since Redis runs it on its one thread: every conversion or reply element it avoids is Redis time.
	 * A policy that never refills passes 'n' for the offset, and the key's lifetime (ms) as ARGV[4]: its clock then
	 * stands still at zero, so the "time" is a count of tokens taken (T = 1) that nothing ever pays back.
	 * The key holds the TAT and, after a blank, the tolerance of the policy that wrote it (a bare TAT, as older
	 * versions wrote, is read as this policy's). What it holds is trusted only as far as this script could have
	 * written it. A value that is neither, or a key of another type (WRONGTYPE, caught with pcall; any other error, a
	 * refused permission say, is the script's error), is a full bucket, replaced by the next allowance. A TAT more
	 * than a full bucket ahead of the clock, by the larger of the two tolerances (Redis's clock stepped back, a
	 * fail-over to a replica whose clock lags, a foreign or infinite value), is cut to a full bucket's debt and written
	 * back, so that no client waits longer than its bucket takes to refill, nor for ever behind a key without expiry.
	 * A TAT within the writer's larger bucket is that policy's debt (instances of one service with different quotas
	 * during a rolling change): refused and left as it is, since cutting it back would hand the larger bucket tokens
	 * on every refusal.
	 */
	static final String SCRIPT = """
			local now = 0
			if ARGV[3] ~= 'n' then
			  local t = redis.call('TIME')
			  now = t[1] * 1000000 + t[2] + ARGV[3]
			end
			local stored = redis.pcall('GET', KEYS[1])
			if type(stored) == 'table' and stored.err then
			  if string.sub(stored.err, 1, 9) ~= 'WRONGTYPE' then return redis.error_reply(stored.err) end
			  stored = nil
			end
			local tat, blank
			if stored then
			  blank = string.find(stored, ' ', 1, true)
			  tat = tonumber(blank and string.sub(stored, 1, blank - 1) or stored)
			end
			tat = tat or now
			if tat < now then tat = now end
			local tolerance = tonumber(ARGV[2])
			if not (tat <= now + tolerance) then
			  local writer = blank and tonumber(string.sub(stored, blank + 1)) or 0
			  if not (tat <= now + math.min(writer, 4000000000000000)) then
			    tat = now + tolerance
			    redis.call('PSETEX', KEYS[1], ARGV[4] or math.max(1, math.ceil(tolerance / 1000)),
			      string.format('%d %s', tat, ARGV[2]))
			  end
			end
			local ahead = tat - now + ARGV[1]
			if ahead <= tolerance then
			  redis.call('PSETEX', KEYS[1], ARGV[4] or math.ceil(ahead / 1000),
			    string.format('%d %s', now + ahead, ARGV[2]))
			  return ahead
			end
			return now - tat - 1
			""";

	static final byte[] SCRIPT_BYTES = SCRIPT.getBytes(StandardCharsets.UTF_8);

	static final String SCRIPT_SHA = HexFormat.of().formatHex(digest("SHA-1", SCRIPT_BYTES));

	/** Longest client key written as it is; longer ones are hashed. */
	static final int MAX_RAW_KEY_LENGTH = 64;

	/** The wait before trying again to connect when the start-up attempt failed; it doubles with each attempt. */
	private static final long FIRST_PREPARE_RETRY_MILLIS = 1000;

	/** The longest wait between two attempts to connect in the background. */
	private static final long LAST_PREPARE_RETRY_MILLIS = 30_000;

	/** Largest {@code C*T} in microseconds: keeps {@code now + C*T} exact in a double (below 2^53). */
	private static final long MAX_TOLERANCE_MICROS = 4_000_000_000_000_000L;

	/** How long the key of a policy that never refills lives, in milliseconds: about 95 years, "for ever". */
	private static final byte[] NO_REFILL_TTL_MILLIS = ascii(3_000_000_000_000L);

	/** The script's clock offset argument that stops its clock, for a policy that never refills. */
	private static final byte[] STOPPED_CLOCK = { 'n' };

	private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	/**
	 * The {@code retryAfter} of a request that can never be allowed (more permits than the capacity, or a spent
	 * bucket of a policy that never refills), and the {@code resetAfter} of a bucket that never refills.
	 */
	static final Duration NEVER = LocalRateLimiter.NEVER;

	private static final byte[] ZERO = ascii(0);

	private final RateLimitPolicy policy;

	private final LettuceConnector connector;

	private final OnFailure onFailure;

	private final @Nullable RateLimiter fallback;

	private final Consumer<Throwable> errorListener;

	private final LongSupplier nanoClock;

	private final @Nullable LongSupplier clockOffsetMicros;

	private final long timeoutNanos;

	private final long capacity;

	private final boolean refills;

	private final byte[] keyHead;

	/**
	 * What follows the client key: the closing brace of the hash tag, then {@code :n} for a policy that never refills,
	 * whose value is a count of tokens, not a time, and must never be read as one (by an older version during a
	 * rolling deploy, say).
	 */
	private final byte[] keyTail;

	/** Emission interval T, in microseconds. */
	private final long interval;

	/** Tolerance C*T, in microseconds. */
	private final long tolerance;

	private final byte[] toleranceArg;

	private final byte[][] onePermitArgs;

	/** Stops asking Redis for a while after repeated failures, so that a dead Redis costs a decision no latency. */
	private final CircuitBreaker redis;

	/**
	 * Time-outs (the store's own deadline, or Lettuce's command timeout when that is shorter) counted by
	 * {@link #redis}. A time-out counts only if none was counted since its decision was sent, so the decisions of one
	 * burst that time out together count once, and only time-outs of decisions sent one after another's give Redis a
	 * rest: one slow moment must not send every decision to {@link OnFailure}. Other failures (error replies, lost
	 * connections) each count, as before.
	 */
	private final AtomicLong countedTimeouts = new AtomicLong();

	/** Redis's latest refusals, answered here for a while; {@code null} for a policy that never refills. */
	private final @Nullable RememberedRefusals refusals;

	private final RateLimitDecision allowOne;

	private final AtomicLong nextWarnNanos;

	private final AtomicLong unloggedFailures = new AtomicLong();

	/** Whether a failure was logged that no "Redis answers again" has followed yet. */
	private final AtomicBoolean outageReported = new AtomicBoolean();

	/** Whether a {@code SCRIPT LOAD} sent after a {@code NOSCRIPT} is still on its way: one at a time is enough. */
	private final AtomicBoolean reloading = new AtomicBoolean();

	/**
	 * How Redis fares, in the low bits: {@link #ANSWERING}, {@link #FAILING} since a decision it did not make, or
	 * {@link #WRITES_REFUSED} since it refused a write; see {@link #isAnswering()}. The bits above count failures, so
	 * that a decision lowers the level only by a compare-and-set from the state read before its command was sent: a
	 * failure meanwhile, even of the same level, is newer than it and stands.
	 */
	private final AtomicLong health = new AtomicLong(ANSWERING);

	/**
	 * Creates the limiter of one policy.
	 * @param policy the policy to enforce
	 * @param connector the Redis connection shared by the application's limiters
	 * @param config key prefix, timeout and failure handling
	 * @param fallback the in-memory limiter of the same policy; required when {@code onFailure} is {@code LOCAL},
	 * otherwise may be {@code null}
	 * @param errorListener told of every decision Redis did not make, with the reason; may be {@code null}
	 * @throws IllegalArgumentException when the policy's full bucket spans more than about 120 years, when a policy
	 * that never refills holds more tokens than that many microseconds, when the policy's name holds {@code :},
	 * <code>{</code>, <code>}</code> or a lone surrogate (which would make its keys another policy's), or when
	 * {@code onFailure} is {@code LOCAL} and {@code fallback} is {@code null}
	 */
	public RedisRateLimiter(RateLimitPolicy policy, LettuceConnector connector, RedisRateLimiterConfig config,
			@Nullable RateLimiter fallback, @Nullable Consumer<Throwable> errorListener) {
		this(policy, connector, config, fallback, errorListener, System::nanoTime, null);
	}

	/**
	 * @param nanoClock this JVM's clock, for the timeout, the outage back-off and log throttling; never for decisions
	 * @param clockOffsetMicros added to Redis's clock by the script, so tests can move time; {@code null} in production
	 */
	RedisRateLimiter(RateLimitPolicy policy, LettuceConnector connector, RedisRateLimiterConfig config,
			@Nullable RateLimiter fallback, @Nullable Consumer<Throwable> errorListener, LongSupplier nanoClock,
			@Nullable LongSupplier clockOffsetMicros) {
		this.policy = Objects.requireNonNull(policy, "policy must not be null");
		this.connector = Objects.requireNonNull(connector, "connector must not be null");
		Objects.requireNonNull(config, "config must not be null");
		if (config.onFailure() == OnFailure.LOCAL && fallback == null) {
			throw new IllegalArgumentException("fallback must not be null when onFailure is LOCAL");
		}
		this.onFailure = config.onFailure();
		this.fallback = fallback;
		this.errorListener = (errorListener != null) ? errorListener : (cause) -> {
		};
		this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock must not be null");
		this.clockOffsetMicros = clockOffsetMicros;
		// a timeout past what nanoseconds in a long hold (292 years) waits as long as they do
		this.timeoutNanos = (config.timeout().getSeconds() >= Long.MAX_VALUE / 1_000_000_000L) ? Long.MAX_VALUE
				: config.timeout().toNanos();
		this.capacity = policy.capacity();
		this.refills = policy.requestsPerWindow() > 0;
		long interval = emissionIntervalMicros(policy);
		warnIfRounded(policy, interval);
		this.keyHead = (config.keyPrefix() + "{" + keyName(policy.name()) + ":").getBytes(StandardCharsets.UTF_8);
		this.keyTail = (this.refills ? "}" : "}:n").getBytes(StandardCharsets.US_ASCII);
		this.interval = interval;
		this.tolerance = interval * Math.max(0, this.capacity);
		this.toleranceArg = ascii(this.tolerance);
		this.onePermitArgs = this.refills ? new byte[][] { ascii(cost(1)), this.toleranceArg, ZERO }
				: new byte[][] { ascii(cost(1)), this.toleranceArg, STOPPED_CLOCK, NO_REFILL_TTL_MILLIS };
		this.redis = new CircuitBreaker("redis:" + policy.name(),
				new CircuitBreakerConfig(config.failureThreshold(), config.retryInterval(), 1), nanoClock);
		this.allowOne = allowedAsIfFull(1);
		this.refusals = this.refills ? new RememberedRefusals(RememberedRefusals.MAX_KEYS, refusalClock()) : null;
		this.nextWarnNanos = new AtomicLong(nanoClock.getAsLong());
	}

	private static long emissionIntervalMicros(RateLimitPolicy policy) {
		long capacity = Math.max(1, policy.capacity());
		if (policy.requestsPerWindow() == 0) {
			// The script's clock stands still: one "microsecond" is one token, and the tokens must stay exact.
			if (capacity > MAX_TOLERANCE_MICROS) {
				throw new IllegalArgumentException("Policy '" + policy.name() + "' holds more than "
						+ MAX_TOLERANCE_MICROS + " tokens, too many for the Redis store");
			}
			return 1;
		}
		Duration window = policy.window();
		// Rounded up at each step, so that the interval is never shorter than the policy's: ceil(ceil(w / 1000) / n)
		// is ceil(w / (1000 n)).
		long windowMicros;
		try {
			windowMicros = Math.addExact(Math.multiplyExact(window.getSeconds(), 1_000_000L),
					(window.getNano() + 999) / 1000);
		}
		catch (ArithmeticException ex) {
			throw refillsTooSlowly(policy);
		}
		long interval = Math.max(1, -Math.floorDiv(-windowMicros, policy.requestsPerWindow()));
		if (interval > MAX_TOLERANCE_MICROS / capacity) {
			throw refillsTooSlowly(policy);
		}
		return interval;
	}

	private static IllegalArgumentException refillsTooSlowly(RateLimitPolicy policy) {
		return new IllegalArgumentException("Policy '" + policy.name() + "' takes more than "
				+ Duration.ofNanos(MAX_TOLERANCE_MICROS * 1000).toDays() / 365
				+ " years to refill, too long for the Redis store");
	}

	/**
	 * Refuses a policy name that would not keep its keys apart from other policies': the first colon in the braces
	 * ends the name (policy {@code api} with client key {@code v2:alice} and policy {@code api:v2} with client key
	 * {@code alice} would share one bucket), a brace would move the Redis Cluster hash tag, and a lone surrogate,
	 * which UTF-8 cannot hold, is written as {@code ?}. The properties refuse such names at start-up.
	 */
	private static String keyName(String policyName) {
		for (int i = 0; i < policyName.length(); i++) {
			char c = policyName.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < policyName.length()
					&& Character.isLowSurrogate(policyName.charAt(i + 1))) {
				i++;
				continue;
			}
			if (c == ':' || c == '{' || c == '}' || Character.isSurrogate(c)) {
				throw new IllegalArgumentException("Policy '" + policyName + "' cannot be kept in Redis: its name must "
						+ "not hold ':', '{', '}' or a lone surrogate, which would make its keys another policy's");
			}
		}
		return policyName;
	}

	/**
	 * Gets a connector ready for the first decisions, without waiting: opens its connection in the background and then
	 * loads the decision script, so that neither the connection's opening nor a {@code NOSCRIPT} round trip falls on a
	 * request. Called once at start-up. When the connection cannot be opened (Redis down or slow to answer) or the
	 * script cannot be loaded on it (the connection closed by its owner meanwhile), both are tried again in the
	 * background, after 1 s and then twice as long each time up to 30 s, until they succeed or the connector stops (or
	 * starts again, which calls for a new preparation): otherwise the first requests after Redis is back would each
	 * start an attempt, wait out their timeout and follow the configured {@link OnFailure}, and on a Redis Cluster the
	 * script's load, which opens a connection to each node, would not have run. A load Redis refuses with an error
	 * that stays (an ACL without {@code script|load}, a renamed {@code SCRIPT}) is not tried again: decisions do
	 * without it, with {@code EVAL} after a {@code NOSCRIPT}. Failures are logged at DEBUG only: decisions report
	 * theirs.
	 * @param connector the connector the application's limiters share
	 * @return completes once the script is loaded, or exceptionally if this first attempt to connect or the load failed
	 */
	public static CompletableFuture<Void> prepare(LettuceConnector connector) {
		return prepare(connector, connector.run(), FIRST_PREPARE_RETRY_MILLIS);
	}

	private static CompletableFuture<Void> prepare(LettuceConnector connector, int run, long retryMillis) {
		return connector.connectInBackground()
			.thenCompose((commands) -> commands.scriptLoad(SCRIPT_BYTES)
				.toCompletableFuture()
				.handle((sha, failure) -> (failure != null) ? unwrap(failure) : null)
				.thenCompose((failure) -> {
					if (failure != null && !isRefusedForGood(failure)) {
						// tried again later, the check with it
						return CompletableFuture.failedFuture(failure);
					}
					// a load refused for good (an ACL without script|load) must not skip the check
					CompletableFuture<Void> checked = warnIfOneNodeOfACluster(commands);
					return (failure != null) ? checked.thenCompose((ignored) -> CompletableFuture.failedFuture(failure))
							: checked;
				}))
			.whenComplete((loaded, failure) -> {
				if (failure == null) {
					return;
				}
				logger.debug("Could not get the Redis connection for rate limiting ready; decisions will try again",
						failure);
				// the retries end when the connector stops; started again, it prepares anew
				if (connector.isRunning(run) && !isRefusedForGood(failure)) {
					CompletableFuture.delayedExecutor(retryMillis, TimeUnit.MILLISECONDS).execute(() -> {
						if (connector.isRunning(run)) {
							prepare(connector, run, Math.min(2 * retryMillis, LAST_PREPARE_RETRY_MILLIS));
						}
					});
				}
			});
	}

	/** Whether Redis answered with an error it will give again, unlike a busy or loading server's. */
	private static boolean isRefusedForGood(Throwable failure) {
		Throwable cause = unwrap(failure);
		return cause instanceof RedisCommandExecutionException && !(cause instanceof RedisBusyException)
				&& !(cause instanceof RedisLoadingException);
	}

	private static Throwable unwrap(Throwable failure) {
		return (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause() : failure;
	}

	/**
	 * Warns when a connection to one Redis server finds a node of a Redis Cluster (the standalone settings pointed at
	 * one of its nodes): the node answers {@code MOVED} for every key whose slot another node holds, so those
	 * decisions all fail and follow {@link OnFailure}, and the shared quota silently splits. A server that refuses
	 * {@code INFO} (an ACL) is not asked again.
	 */
	private static CompletableFuture<Void> warnIfOneNodeOfACluster(RedisClusterAsyncCommands<byte[], byte[]> commands) {
		if (commands instanceof RedisAdvancedClusterAsyncCommands) {
			return CompletableFuture.completedFuture(null);
		}
		return commands.info("cluster").toCompletableFuture().handle((info, failure) -> {
			if (info != null && info.contains("cluster_enabled:1")) {
				logger.warn("The Redis server the rate limiter connects to is a node of a Redis Cluster, but the "
						+ "connection is not a cluster connection: decisions for the keys of the other nodes' slots "
						+ "will fail (MOVED) and follow on-failure, so instances will not share one quota. Give the "
						+ "cluster's nodes in spring.data.redis.cluster.nodes instead of spring.data.redis.host/port.");
			}
			return null;
		});
	}

	/**
	 * Warns when rounding the refill interval up to a whole microsecond slows the policy by more than 1 %: a policy
	 * that fast is rare, and one that silently admits less than configured is worse than one that says so.
	 */
	private static void warnIfRounded(RateLimitPolicy policy, long interval) {
		if (policy.requestsPerWindow() == 0) {
			return;
		}
		double exact = (policy.window().getSeconds() * 1e6 + policy.window().getNano() / 1e3)
				/ policy.requestsPerWindow();
		if (interval > exact * 1.01) {
			logger.warn("Rate-limit policy '{}' refills a token every {} µs, but the Redis store counts whole "
					+ "microseconds, so it refills one every {} µs: about {} a second instead of {}", policy.name(),
					String.format(Locale.ROOT, "%.3f", exact), interval, 1_000_000 / interval,
					String.format(Locale.ROOT, "%.0f", 1e6 / exact));
		}
	}

	/** @return the policy this limiter enforces */
	public RateLimitPolicy policy() {
		return this.policy;
	}

	/**
	 * Whether Redis decides for this policy. It turns {@code false} with a decision Redis did not make (no answer
	 * within the timeout, an error reply, a lost connection) and stays so, decisions following {@code onFailure}
	 * meanwhile, until Redis decides for this policy again; after a refused write (out of memory, a replica, a failed
	 * snapshot, too few replicas), until it allows a request again, since such a Redis goes on making refusals, which
	 * write nothing. So a policy whose every request Redis refuses (clients that spent a quota that never refills)
	 * stays {@code false} after a refused write until a request is allowed; one that no request reaches keeps what its
	 * latest decision found.
	 * @return {@code false} from a decision Redis did not make until Redis is back as above; {@code true} before any
	 */
	public boolean isAnswering() {
		return (this.health.get() & LEVEL) == ANSWERING;
	}

	/**
	 * Decides in Redis whether {@code key} may take {@code permits}; when Redis cannot decide in time, follows the
	 * configured {@link OnFailure}.
	 * @throws RateLimitStoreUnavailableException when Redis did not decide and {@code onFailure} is {@code DENY}
	 */
	@Override
	public RateLimitDecision tryAcquire(String key, long permits) {
		Objects.requireNonNull(key, "key must not be null");
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be at least 1, was " + permits);
		}
		// a long key by its digest, in Redis and in the memory of refusals alike, so that each is bounded in size
		String storedKey = KeyDigest.mustDigestAsUtf8(key, MAX_RAW_KEY_LENGTH) ? KeyDigest.of(key) : key;
		if (this.refusals != null && !this.refusals.isEmpty()) {
			// remembered until one permit would be allowed: Redis would refuse this request too
			long untilFull = this.refusals.untilFull(storedKey, refusalClock());
			if (untilFull >= 0) {
				// rounded up: in its last microsecond the refusal still leaves no token and a wait
				return toDecision(-1 - (untilFull + 999) / 1000, permits);
			}
		}
		CircuitBreaker.Permission permission;
		try {
			permission = this.redis.acquirePermission();
		}
		catch (CircuitOpenException ex) {
			return onFailure(key, permits, RedisResting.INSTANCE);
		}
		// read before the command is sent: a failure after this is newer than this decision
		long health = this.health.get();
		long counted = this.countedTimeouts.get();
		RateLimitDecision decision;
		try {
			decision = decide(storedKey, permits);
		}
		catch (ExecutionException ex) {
			return failed(permission, counted, key, permits, (ex.getCause() != null) ? ex.getCause() : ex);
		}
		catch (EvalRefused ex) {
			// the user may not send the script itself (an ACL without eval), which tells nothing of Redis's health,
			// and the load sent beside it lets the next decisions through: no rest for Redis because of it
			permission.onIgnore();
			return reportFailure(key, permits, ex.getCause());
		}
		catch (TimeoutException | RuntimeException ex) {
			return failed(permission, counted, key, permits, ex);
		}
		catch (Error ex) {
			// this JVM failed, not Redis: the permission (a probe's slot) is given back, not held for minutes
			permission.onIgnore();
			throw ex;
		}
		permission.onSuccess();
		if ((health & LEVEL) != ANSWERING) {
			returned(health, decision);
		}
		return decision;
	}

	/**
	 * Redis decided after failing to: it is back, and after a failure that was logged, says so once, even when too
	 * few failures came to open the breaker (one late answer in a fail-over). After a refused write only with an
	 * allowance, which writes: a Redis that refuses writes still refuses clients their spent quota, and would
	 * otherwise be said to be back between two failed allowances.
	 */
	private void returned(long health, RateLimitDecision decision) {
		if ((health & LEVEL) == WRITES_REFUSED && !decision.allowed()) {
			return;
		}
		if (this.health.compareAndSet(health, health & ~LEVEL)) {
			reportReturn();
		}
	}

	private void reportReturn() {
		if (this.outageReported.compareAndSet(true, false)) {
			logger.info("Redis answers again: rate-limit policy '{}' shares its quota through Redis again",
					this.policy.name());
		}
	}

	/**
	 * Asks Redis. A caller interrupted meanwhile (its request abandoned, the application stopping) still waits, at
	 * most the timeout, and keeps its interrupt: the command may already be on its way, and Redis's answer, which then
	 * spends the token anyway, is the decision, rather than a fallback that would spend a second one (or refuse the
	 * request and count Redis's failure) for a Redis that did not fail.
	 */
	private RateLimitDecision decide(String storedKey, long permits) throws ExecutionException, TimeoutException {
		long deadline = this.nanoClock.getAsLong() + this.timeoutNanos;
		RedisClusterAsyncCommands<byte[], byte[]> commands = uninterruptibly(this.connector::commands, deadline);
		byte[][] keys = { redisKey(storedKey) };
		byte[][] args = args(permits);
		long sent = refusalClock();
		Long reply;
		try {
			reply = await(commands.evalsha(SCRIPT_SHA, ScriptOutputType.INTEGER, keys, args), deadline);
		}
		catch (ExecutionException ex) {
			if (!(ex.getCause() instanceof RedisNoScriptException)) {
				throw ex;
			}
			// Redis has lost (or never had) the script: EVAL decides, still one round trip, and a load caches the
			// script again beside it, without being waited for: an ACL may grant script|load but not eval, and
			// Redis 7.4 and newer may evict a script that only EVAL cached, never one SCRIPT LOAD did
			reload(commands);
			sent = refusalClock();
			try {
				reply = await(commands.eval(SCRIPT_BYTES, ScriptOutputType.INTEGER, keys, args), deadline);
			}
			catch (ExecutionException refused) {
				if (isNoPermission(refused.getCause())) {
					throw new EvalRefused(refused.getCause());
				}
				throw refused;
			}
		}
		if (reply <= 0 && this.refusals != null) {
			long untilFull = -1 - reply;
			this.refusals.remember(storedKey, sent + untilFull * 1000,
					sent + (untilFull + this.interval - this.tolerance) * 1000, sent);
		}
		return toDecision(reply, permits);
	}

	private void reload(RedisClusterAsyncCommands<byte[], byte[]> commands) {
		if (this.reloading.compareAndSet(false, true)) {
			commands.scriptLoad(SCRIPT_BYTES).whenComplete((sha, failure) -> {
				this.reloading.set(false);
				if (failure != null) {
					logger.debug("Could not load the rate-limit script into Redis again; decisions send it with EVAL",
							failure);
				}
			});
		}
	}

	/**
	 * The clock {@link #refusals} are kept on: this JVM's, moved with Redis's by the tests' offset. A refusal is
	 * answered from it only while Redis would refuse too (see {@link RememberedRefusals}).
	 */
	private long refusalClock() {
		long now = this.nanoClock.getAsLong();
		return (this.clockOffsetMicros != null) ? now + this.clockOffsetMicros.getAsLong() * 1000 : now;
	}

	/** @return the keys of the clients whose refusals are remembered (long ones as their digests), for tests */
	Set<String> rememberedKeys() {
		return (this.refusals != null) ? this.refusals.keys() : Set.of();
	}

	private <T> T await(Future<T> future, long deadline) throws ExecutionException, TimeoutException {
		try {
			return uninterruptibly((nanos) -> future.get(nanos, TimeUnit.NANOSECONDS), deadline);
		}
		catch (TimeoutException ex) {
			// A command still queued (Redis unreachable, Lettuce reconnecting) is then never sent, and one already
			// written, which Lettuce would send again after a reconnection, is not either: on-failure has decided.
			// (Lettuce 6.8 may then count the command in Boot's lettuce.active for good; see the README.)
			future.cancel(false);
			throw ex;
		}
	}

	/** Waits until the deadline whatever interrupts come meanwhile, and leaves the caller its interrupt. */
	private <T> T uninterruptibly(TimedWait<T> wait, long deadline) throws ExecutionException, TimeoutException {
		boolean interrupted = false;
		try {
			for (;;) {
				try {
					return wait.get(Math.max(0, deadline - this.nanoClock.getAsLong()));
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private byte[][] args(long permits) {
		if (permits == 1 && (this.clockOffsetMicros == null || !this.refills)) {
			return this.onePermitArgs;
		}
		if (!this.refills) {
			return new byte[][] { ascii(cost(permits)), this.toleranceArg, STOPPED_CLOCK, NO_REFILL_TTL_MILLIS };
		}
		byte[] offset = (this.clockOffsetMicros != null) ? ascii(this.clockOffsetMicros.getAsLong()) : ZERO;
		return new byte[][] { ascii(cost(permits)), this.toleranceArg, offset };
	}

	/**
	 * The time n permits take to refill; above the tolerance (so always refused) for more permits than the capacity.
	 */
	private long cost(long permits) {
		return (permits > this.capacity) ? this.tolerance + this.interval : permits * this.interval;
	}

	private RateLimitDecision toDecision(long reply, long permits) {
		if (reply > 0) {
			return new RateLimitDecision(true, this.capacity, remaining(reply), Duration.ZERO, micros(reply));
		}
		long untilFull = -1 - reply;
		Duration retryAfter = (permits <= this.capacity) ? micros(untilFull + cost(permits) - this.tolerance) : NEVER;
		return new RateLimitDecision(false, this.capacity, remaining(untilFull), retryAfter, micros(untilFull));
	}

	private long remaining(long untilFull) {
		return Math.max(0, (this.tolerance - untilFull) / this.interval);
	}

	private Duration micros(long micros) {
		if (micros <= 0) {
			return Duration.ZERO;
		}
		return this.refills ? Duration.ofNanos(micros * 1000) : NEVER;
	}

	/**
	 * @param storedKey the client key, or its digest when it must be hashed
	 * @return the Redis key of a client key: {@code <prefix>{<policy>:<key>}}, with {@code :n} after it for a policy
	 * that never refills
	 */
	byte[] redisKey(String storedKey) {
		byte[] client = storedKey.getBytes(StandardCharsets.UTF_8);
		byte[] redisKey = new byte[this.keyHead.length + client.length + this.keyTail.length];
		System.arraycopy(this.keyHead, 0, redisKey, 0, this.keyHead.length);
		System.arraycopy(client, 0, redisKey, this.keyHead.length, client.length);
		System.arraycopy(this.keyTail, 0, redisKey, this.keyHead.length + client.length, this.keyTail.length);
		return redisKey;
	}

	private RateLimitDecision failed(CircuitBreaker.Permission permission, long counted, String key, long permits,
			Throwable cause) {
		if (!(cause instanceof TimeoutException || cause instanceof RedisCommandTimeoutException)) {
			// an error reply, a lost connection, a cancelled command: each tells of its own (and the breaker ignores
			// what tells nothing of Redis), so none stands for, or hides, the time-outs of its round
			permission.onFailure(cause);
		}
		else if (permission.admittedIn() == CircuitState.HALF_OPEN) {
			// a probe is alone in its period, and a late time-out of the closed one may have moved the count since
			// its decision was sent: its failure always counts
			this.countedTimeouts.incrementAndGet();
			permission.onFailure(cause);
		}
		else if (this.countedTimeouts.compareAndSet(counted, counted + 1)) {
			permission.onFailure(cause);
		}
		else {
			// another decision's time-out, counted while this one was on its way, stands for both
			permission.onIgnore();
		}
		return reportFailure(key, permits, cause);
	}

	/** Logs a failed decision (at most once a minute), raises the health level, and decides by {@link OnFailure}. */
	private RateLimitDecision reportFailure(String key, long permits, Throwable cause) {
		// logged (and so marked as reported) before the failure shows: a return that sees it then says so
		warn(cause);
		// a refused write outranks other failures until Redis allows again
		long level = refusesWrites(cause) ? WRITES_REFUSED : FAILING;
		this.health.accumulateAndGet(level,
				(old, raised) -> ((old & ~LEVEL) + LEVEL + 1) | Math.max(old & LEVEL, raised));
		return onFailure(key, permits, cause);
	}

	private RateLimitDecision onFailure(String key, long permits, Throwable cause) {
		this.errorListener.accept(cause);
		switch (this.onFailure) {
			case LOCAL:
				return this.fallback.tryAcquire(key, permits);
			case ALLOW:
				return (permits == 1) ? this.allowOne : allowedAsIfFull(permits);
			default:
				throw new RateLimitStoreUnavailableException(
						"Redis could not decide for rate-limit policy '" + this.policy.name() + "'",
						this.redis.retryAfter(), cause);
		}
	}

	/**
	 * An allowance Redis did not decide, told as if from a full bucket (the state a client is most likely in, and one
	 * that needs no memory): the permits taken, and back after they refill. The headers then agree with themselves.
	 */
	private RateLimitDecision allowedAsIfFull(long permits) {
		long taken = Math.min(permits, this.capacity);
		return new RateLimitDecision(true, this.capacity, Math.max(0, this.capacity - permits), Duration.ZERO,
				micros(cost(taken)));
	}

	private void warn(Throwable cause) {
		long now = this.nanoClock.getAsLong();
		long next = this.nextWarnNanos.get();
		if (now - next < 0 || !this.nextWarnNanos.compareAndSet(next, now + WARN_INTERVAL_NANOS)) {
			this.unloggedFailures.incrementAndGet();
			return;
		}
		long unlogged = this.unloggedFailures.getAndSet(0);
		logger.warn("Redis did not decide for rate-limit policy '{}' ({}); deciding {} instead; {} more "
				+ "failures since the last report, which comes at most once a minute", this.policy.name(),
				describe(cause), this.onFailure.name().toLowerCase(Locale.ROOT), unlogged);
		this.outageReported.set(true);
	}

	/** Whether Redis refused the script's write, as opposed to not deciding at all (busy, loading, not reachable). */
	private static boolean refusesWrites(Throwable cause) {
		if (!(cause instanceof RedisCommandExecutionException) || cause.getMessage() == null) {
			return false;
		}
		String message = cause.getMessage();
		for (String refusal : WRITE_REFUSALS) {
			if (message.contains(refusal)) {
				return true;
			}
		}
		return false;
	}

	/** What went wrong, down to the root cause: a wrapper's message alone often hides it (a refused password). */
	private String describe(Throwable cause) {
		if (cause instanceof TimeoutException) {
			return "no answer within the timeout of " + this.timeoutNanos / 1_000_000 + " ms"
					+ (this.connector.isReconnecting() ? ": the connection is cut off and Lettuce is reconnecting it; "
							+ "its own log says why it cannot (Redis down, a refused password)" : "");
		}
		Throwable root = cause;
		for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 16; depth++) {
			root = root.getCause();
		}
		return (root == cause) ? cause.toString() : cause + ", caused by " + root;
	}

	private static byte[] ascii(long value) {
		return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
	}

	private static byte[] digest(String algorithm, byte[] input) {
		try {
			return MessageDigest.getInstance(algorithm).digest(input);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(algorithm + " is a required JDK algorithm", ex);
		}
	}

	/** Whether Redis refused a command to the user (an ACL), as opposed to failing to run it. */
	private static boolean isNoPermission(@Nullable Throwable cause) {
		return cause instanceof RedisCommandExecutionException && cause.getMessage() != null
				&& cause.getMessage().startsWith("NOPERM");
	}

	/** The {@code EVAL} sent after a {@code NOSCRIPT} refused to the user; the cause is Redis's refusal. */
	private static final class EvalRefused extends RuntimeException {

		EvalRefused(Throwable cause) {
			super(cause.getMessage(), cause, false, false);
		}

	}

	/** The reason given to the error listener for a decision not sent while Redis is given a rest. */
	static final class RedisResting extends RuntimeException {

		static final RedisResting INSTANCE = new RedisResting();

		private RedisResting() {
			super("Redis failed repeatedly and is not asked until its retry interval has passed", null, false, false);
		}

	}

	/** A wait of at most a number of nanoseconds. */
	@FunctionalInterface
	private interface TimedWait<T> {

		T get(long nanos) throws InterruptedException, ExecutionException, TimeoutException;

	}

}
