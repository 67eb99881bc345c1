package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisConnectionException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What the connector tells its callers, and what it and the store's preparation leave behind, when the connection
 * cannot be opened: no Redis is needed for that, only a connection supplier that fails or blocks.
 */
class RedisLettuceConnectorTests {

	@Test
	void attemptToConnectShouldNotKeepTheJvmAlive() throws Exception {
		CompletableFuture<Boolean> daemon = new CompletableFuture<>();
		LettuceConnector connector = new LettuceConnector(() -> {
			daemon.complete(Thread.currentThread().isDaemon());
			throw new RedisConnectionException("Unable to connect");
		});
		connector.connectInBackground();
		// a handshake with a Redis that never answers lasts a minute: the JVM must be able to exit meanwhile
		assertThat(daemon.get(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void callerTimingOutAfterAFailedAttemptShouldBeToldWhatFailedNotItsWrapper() throws Exception {
		RedisConnectionException refused = new RedisConnectionException("Unable to connect: NOAUTH");
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger attempts = new AtomicInteger();
		LettuceConnector connector = new LettuceConnector(() -> {
			if (attempts.incrementAndGet() == 1) {
				throw refused;
			}
			awaitQuietly(release);
			throw refused;
		});
		try {
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> connector.commands(Duration.ofSeconds(10).toNanos()))
				.withCause(refused);
			// the second attempt outlasts the caller's wait: it is told why the one before failed, as it was thrown
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> connector.commands(Duration.ofMillis(500).toNanos()))
				.satisfies((ex) -> assertThat(ex.getCause()).isSameAs(refused));
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void connectorNeverStoppedShouldNotAskToBePreparedAgainWhenStarted() {
		LettuceConnector connector = new LettuceConnector(() -> {
			throw new RedisConnectionException("Unable to connect");
		});
		// the application's first start: the factory has prepared it already
		assertThat(connector.start()).isFalse();
		connector.stop();
		assertThat(connector.start()).isTrue();
		assertThat(connector.start()).isFalse();
	}

	@Test
	void preparingWhileRedisIsDownShouldTryAgainLessAndLessOften() {
		AtomicInteger attempts = new AtomicInteger();
		LettuceConnector connector = unreachable(attempts);
		try {
			assertThat(RedisRateLimiter.prepare(connector)).failsWithin(Duration.ofSeconds(10));
			// again after 1 s, then 2 s after that: not at once each time the last attempt failed (a late look only
			// shortens the second wait, never lengthens it)
			await().atMost(Duration.ofSeconds(10)).until(() -> attempts.get() >= 2);
			await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(5)).until(() -> attempts.get() == 2);
		}
		finally {
			connector.stop();
		}
	}

	@Test
	void retriesOfARunThatEndedShouldNotGoOnWhenTheConnectorStartsAgain() {
		AtomicInteger attempts = new AtomicInteger();
		LettuceConnector connector = unreachable(attempts);
		try {
			assertThat(RedisRateLimiter.prepare(connector)).failsWithin(Duration.ofSeconds(10));
			connector.stop();
			assertThat(connector.start()).isTrue();
			// the retry due after 1 s belonged to the run that ended: the new run is prepared by whoever started it
			await().during(Duration.ofMillis(2000)).atMost(Duration.ofSeconds(5)).until(() -> attempts.get() == 1);
		}
		finally {
			connector.stop();
		}
	}

	private static LettuceConnector unreachable(AtomicInteger attempts) {
		return new LettuceConnector(() -> {
			attempts.incrementAndGet();
			throw new RedisConnectionException("Unable to connect");
		});
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
