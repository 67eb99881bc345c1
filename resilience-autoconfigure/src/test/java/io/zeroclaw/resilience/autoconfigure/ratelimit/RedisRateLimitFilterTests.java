package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.ratelimit.KeyDigest;
import io.zeroclaw.resilience.ratelimit.redis.RedisServer;
import io.zeroclaw.resilience.ratelimit.redis.SteadyTraffic;
import jakarta.servlet.Filter;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * The Redis store through the real rate-limit filter: application instances on one Redis share one quota, and a
 * Redis that dies under traffic neither fails nor slows a request. A Redis that answers with an error (made a replica,
 * a password, a database it does not have) or holds writes back gets on-failure's answer, one WARN, and the shared
 * quota back by itself.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisRateLimitFilterTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	/** The timeout of the test of a Redis killed under traffic, which must not slow requests beyond it. */
	private static final Duration TIMEOUT = Duration.ofMillis(50);

	/**
	 * The timeout of the tests of what Redis decides: long enough that a busy build machine (a GC pause, a cold first
	 * request) cannot turn an answer into the fallback's.
	 */
	private static final Duration PATIENT = Duration.ofSeconds(10);

	/** Time for a request to come back on a busy two-core build machine, beyond the Redis timeout itself. */
	private static final Duration SLACK = Duration.ofMillis(300);

	/** Longer than any stall of a busy build machine, and shorter than any of Lettuce's own timeouts. */
	private static final Duration STALL = Duration.ofSeconds(3);

	private static final int CLIENTS = 4;

	/**
	 * The timeout of the tests of a Redis that does not answer: long enough for a cold first decision on a busy build
	 * machine, whose WARN would stand for the test's own (it comes at most once a minute); each of the first three
	 * decisions after the connection is cut off waits it out.
	 */
	private static final Duration SHORT = Duration.ofSeconds(1);

	private static final String WARNING = "Redis did not decide for rate-limit policy 'webhook'";

	private static final String RETURN = "Redis answers again: rate-limit policy 'webhook'";

	private final String prefix = "filter:" + UUID.randomUUID() + ":";

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				DataRedisAutoConfiguration.class, WebMvcAutoConfiguration.class))
		.withUserConfiguration(WebhookController.class)
		.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.store=redis",
				"zeroclaw.resilience.rate-limit.redis.key-prefix=" + this.prefix,
				"zeroclaw.resilience.rate-limit.redis.timeout=" + PATIENT.toMillis() + "ms",
				"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
				"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=5",
				"zeroclaw.resilience.rate-limit.policies.webhook.burst=0",
				"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port());

	/** Set by a test that reconfigures Redis (a password, a master): the next test gets a server as started. */
	private boolean reconfigured;

	@AfterEach
	void restartRedis() {
		if (this.reconfigured) {
			redis.stop();
		}
		redis.start();
	}

	@Test
	void startingShouldGetRedisReadySoThatTheFirstRequestIsDecidedThere() {
		redis.command("SCRIPT", "FLUSH");
		redis.command("CONFIG", "RESETSTAT");
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.redis.on-failure=deny").run((context) -> {
			// no request yet: the connection is opened and the script loaded at start-up
			await().atMost(Duration.ofSeconds(20))
				.until(() -> redis.command("INFO", "commandstats").contains("cmdstat_script|load:") // Redis 7
						|| redis.command("INFO", "commandstats").contains("cmdstat_script:")); // Redis 5 and 6
			assertThat(status(mockMvc(context), "203.0.113.7")).isEqualTo(200);
			assertThat(redis.command("EXISTS", this.prefix + "{webhook:203.0.113.7}")).isEqualTo(":1");
			// decided by the loaded script, with no NOSCRIPT round trip to send it again
			assertThat(redis.command("INFO", "commandstats")).contains("cmdstat_evalsha:")
				.doesNotContain("cmdstat_eval:");
		});
	}

	@Test
	void twoInstancesOnOneRedisShouldShareOneQuotaExactly() {
		this.runner.run((first) -> this.runner.run((second) -> {
			MockMvc one = mockMvc(first);
			MockMvc other = mockMvc(second);
			warmUp(one, other);
			List<Integer> statuses = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				statuses.add(status((i % 2 == 0) ? one : other, "203.0.113.7"));
			}
			assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429, 429, 429, 429);
		}));
	}

	@Test
	void floodOfRefusedRequestsShouldGetFullAnswersWithoutAskingRedisForEach() {
		this.runner.run((context) -> {
			MockMvc mvc = mockMvc(context);
			warmUp(mvc);
			for (int i = 0; i < 5; i++) {
				assertThat(status(mvc, "203.0.113.11")).isEqualTo(200);
			}
			redis.command("CONFIG", "RESETSTAT");
			for (int i = 0; i < 50; i++) {
				MockHttpServletResponse response = mvc.perform(request("203.0.113.11")).andReturn().getResponse();
				assertThat(response.getStatus()).isEqualTo(429);
				assertThat(Long.parseLong(response.getHeader("Retry-After"))).isBetween(1L, 12L);
				assertThat(response.getHeader("RateLimit")).startsWith("\"webhook\";r=0;t=");
				assertThat(response.getContentType()).isEqualTo("application/problem+json");
			}
			// the first refusal is Redis's; the next are answered from its memory, a second at most each time
			Matcher calls = Pattern.compile("cmdstat_evalsha:calls=(\\d+)")
				.matcher(redis.command("INFO", "commandstats"));
			assertThat(calls.find()).isTrue();
			assertThat(Long.parseLong(calls.group(1))).isBetween(1L, 10L);
		});
	}

	@Test
	void headerKeyShouldReachRedisOnlyAsADigestAndStillGetItsOwnQuota() {
		String apiKey = "sk-live-4f9a1c0b7e2d";
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.key=header").run((context) -> {
			MockMvc mvc = mockMvc(context);
			// until Redis decides, not the in-memory fallback
			await().atMost(Duration.ofSeconds(20)).until(() -> {
				String warmUp = "warm-up-" + UUID.randomUUID();
				return withApiKey(mvc, warmUp) == 200 && redis
					.command("EXISTS", this.prefix + "{webhook:header:" + KeyDigest.of(warmUp) + "}")
					.equals(":1");
			});
			List<Integer> statuses = new ArrayList<>();
			for (int i = 0; i < 6; i++) {
				statuses.add(withApiKey(mvc, apiKey));
			}
			assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429);
			assertThat(withApiKey(mvc, apiKey + "-other")).isEqualTo(200);
			String key = this.prefix + "{webhook:header:" + KeyDigest.of(apiKey) + "}";
			assertThat(redis.command("EXISTS", key)).isEqualTo(":1");
			assertThat(redis.command("KEYS", this.prefix + "*")).doesNotContain(apiKey);
		});
	}

	private static int withApiKey(MockMvc mvc, String apiKey) throws Exception {
		return mvc.perform(request("203.0.113.10").header("X-API-Key", apiKey)).andReturn().getResponse().getStatus();
	}

	@Test
	void unreachableRedisWithDenyShouldAnswer503WithRetryAfter() throws Exception {
		this.runner
			.withPropertyValues("spring.data.redis.port=" + deadPort(),
					"zeroclaw.resilience.rate-limit.redis.on-failure=deny")
			.run((context) -> {
				var response = mockMvc(context).perform(request("203.0.113.8")).andReturn().getResponse();
				assertThat(response.getStatus()).isEqualTo(503);
				assertThat(response.getHeader("Retry-After")).isNotBlank();
			});
	}

	@Test
	void redisKilledUnderTrafficShouldNeitherFailNorSlowRequestsAndItsReturnShouldRestoreTheSharedQuota() {
		WebApplicationContextRunner impatient = this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.redis.timeout=" + TIMEOUT.toMillis() + "ms")
			.withBean(SimpleMeterRegistry.class);
		impatient.run((first) -> impatient.run((second) -> {
			MockMvc one = mockMvc(first);
			MockMvc other = mockMvc(second);
			warmUp(one, other);

			redis.stop();
			List<MockMvc> instances = List.of(one, other);
			SteadyTraffic.Result traffic = SteadyTraffic.run(CLIENTS, Duration.ofMillis(1500), (client) -> {
				int status = status(instances.get(client % 2), "192.0.2." + client);
				assertThat(status).isIn(200, 429);
			});
			assertThat(traffic.unexpected()).isEmpty();
			assertThat(traffic.requests()).isGreaterThan(20);
			// a stalled machine (a collection, a descheduled thread) slows one request of each client at most; a
			// timeout not kept slows every decision that asks Redis (ten or more here, the limiter resting between)
			assertThat(traffic.slowerThan(TIMEOUT.plus(SLACK)))
				.as("requests slower than %s, of %d", TIMEOUT.plus(SLACK), traffic.requests())
				.isLessThanOrEqualTo(CLIENTS);
			assertThat(traffic.slowest()).isLessThan(STALL);

			redis.start();
			await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
				String client = "198.51.100." + UUID.randomUUID().hashCode() % 200;
				int allowed = 0;
				for (int i = 0; i < 10; i++) {
					allowed += (status((i % 2 == 0) ? one : other, client) == 200) ? 1 : 0;
				}
				return allowed == 5;
			});
			// A stall of this JVM beyond the 50 ms timeout makes a decision fall back to its instance's own bucket,
			// and is counted as an error: a round on a new client is played again only then, and one in which Redis
			// made every decision must be exact. A quota not restored falls back in every round: 200 eight times.
			List<Integer> statuses = new ArrayList<>();
			for (int round = 0; round < 5; round++) {
				double errors = errors(first) + errors(second);
				statuses.clear();
				for (int i = 0; i < 8; i++) {
					statuses.add(status((i % 2 == 0) ? one : other, "203.0.113." + (9 + round)));
				}
				if (errors(first) + errors(second) == errors) {
					break;
				}
			}
			assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429, 429);
		}));
	}

	@Test
	void redisMadeAReplicaShouldAnswerWithTheFailurePolicyWarnOnceAndDecideAgainOnceItIsAMasterAgain(
			CapturedOutput output) throws Exception {
		this.reconfigured = true;
		denying(PATIENT).run((context) -> {
			MockMvc mvc = mockMvc(context);
			warmUp(mvc);
			// a master that is not there: the replica keeps its data and refuses every write (READONLY)
			assertThat(redis.command("REPLICAOF", "127.0.0.1", Integer.toString(deadPort()))).isEqualTo("+OK");
			assertRefusedAsUnavailable(mvc, "192.0.2.");
			assertThat(occurrences(output, WARNING)).isOne();
			assertThat(output.toString()).contains("READONLY");
			assertThat(redis.command("REPLICAOF", "NO", "ONE")).isEqualTo("+OK");
			awaitDecidedInRedis(mvc);
			assertThat(occurrences(output, RETURN)).isOne();
		});
	}

	@Test
	void passwordRequiredWhileRunningShouldAnswerWithTheFailurePolicyWarnOnceAndDecideAgainOnceLifted(
			CapturedOutput output) throws Exception {
		this.reconfigured = true;
		denying(SHORT).run((context) -> {
			MockMvc mvc = mockMvc(context);
			warmUp(mvc);
			assertThat(redis.command("CONFIG", "SET", "requirepass", "s3cret")).isEqualTo("+OK");
			// the open connection stays authenticated: only a new one meets the password (NOAUTH)
			assertThat(redis.authenticated("s3cret", "CLIENT", "KILL", "TYPE", "normal")).isNotEqualTo(":0");
			assertRefusedAsUnavailable(mvc, "192.0.2.");
			assertThat(occurrences(output, WARNING)).isOne();
			assertThat(redis.authenticated("s3cret", "CONFIG", "SET", "requirepass", "")).isEqualTo("+OK");
			awaitDecidedInRedis(mvc);
			assertThat(occurrences(output, RETURN)).isOne();
		});
	}

	@Test
	void wrongPasswordFromTheStartShouldNotFailStartUpButAnswerWithTheFailurePolicyUntilRedisAcceptsIt(
			CapturedOutput output) throws Exception {
		this.reconfigured = true;
		String right = "right-Pw-7Qz";
		String wrong = "wrong-Pw-3Xk";
		assertThat(redis.command("CONFIG", "SET", "requirepass", right)).isEqualTo("+OK");
		denying(PATIENT).withPropertyValues("spring.data.redis.password=" + wrong).run((context) -> {
			assertThat(context).hasNotFailed();
			MockMvc mvc = mockMvc(context);
			assertRefusedAsUnavailable(mvc, "192.0.2.");
			assertThat(occurrences(output, WARNING)).isOne();
			assertThat(output.toString().lines().filter((line) -> line.contains(WARNING)))
				.singleElement(InstanceOfAssertFactories.STRING)
				.contains("WRONGPASS");
			// the server is given the password the application has
			assertThat(redis.authenticated(right, "CONFIG", "SET", "requirepass", wrong)).isEqualTo("+OK");
			awaitDecidedInRedis(mvc);
			assertThat(occurrences(output, RETURN)).isOne();
		});
		assertThat(output).as("no password in the log, refused or accepted").doesNotContain(wrong, right);
	}

	@Test
	void databaseTheServerDoesNotHaveShouldNotFailStartUpButAnswerWithTheFailurePolicyAndWarnOnce(
			CapturedOutput output) {
		// redis-server has 16 databases unless told otherwise: 0 to 15
		denying(PATIENT).withPropertyValues("spring.data.redis.database=16").run((context) -> {
			assertThat(context).hasNotFailed();
			assertRefusedAsUnavailable(mockMvc(context), "192.0.2.");
			assertThat(output.toString().lines().filter((line) -> line.contains(WARNING)))
				.singleElement(InstanceOfAssertFactories.STRING)
				.contains("DB index is out of range");
		});
	}

	@Test
	void writesPausedLongerThanTheTimeoutShouldBeAnsweredWithinTheTimeoutAndDecidedAgainOnceUnpaused() {
		this.reconfigured = true;
		denying(SHORT).run((context) -> {
			MockMvc mvc = mockMvc(context);
			warmUp(mvc);
			// far longer than the timeout: each decision that waits for Redis waits until its timeout
			assertThat(redis.command("CLIENT", "PAUSE", "10000", "WRITE")).isEqualTo("+OK");
			List<Long> millis = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				long start = System.nanoTime();
				MockHttpServletResponse response = mvc.perform(request("192.0.2." + i)).andReturn().getResponse();
				millis.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
				assertThat(millis.get(i)).as("request %d's time, in ms", i).isLessThan(STALL.toMillis());
				assertUnavailable(response);
			}
			// a stall of the machine may slow one request; a timeout not kept slows the three that wait for Redis
			assertThat(millis).as("each request's time, in ms")
				.filteredOn((time) -> time > SHORT.plus(SLACK).toMillis())
				.hasSizeLessThanOrEqualTo(1);
			assertThat(redis.command("CLIENT", "UNPAUSE")).isEqualTo("+OK");
			awaitDecidedInRedis(mvc);
		});
	}

	/**
	 * The runner of the tests of a Redis that answers with an error or not at all: {@code deny}, whose answer tells
	 * Redis's decisions from the others. An error reply comes at once, whatever the timeout.
	 */
	private WebApplicationContextRunner denying(Duration timeout) {
		return this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.redis.on-failure=deny",
				"zeroclaw.resilience.rate-limit.redis.timeout=" + timeout.toMillis() + "ms");
	}

	/** Six new clients (an allowance each, were Redis deciding) get {@code deny}'s answer. */
	private static void assertRefusedAsUnavailable(MockMvc mvc, String network) throws Exception {
		for (int i = 0; i < 6; i++) {
			assertUnavailable(mvc.perform(request(network + i)).andReturn().getResponse());
		}
	}

	private static void assertUnavailable(MockHttpServletResponse response) throws Exception {
		assertThat(response.getStatus()).isEqualTo(503);
		assertThat(Long.parseLong(response.getHeader("Retry-After"))).isBetween(1L, 60L);
		assertThat(response.getContentType()).isEqualTo("application/problem+json");
		assertThat(response.getContentAsString()).contains("\"status\":503");
	}

	/** Waits until Redis decides again: under {@code deny}, only Redis allows a request. */
	private static void awaitDecidedInRedis(MockMvc mvc) {
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> status(mvc, "back-" + UUID.randomUUID()) == 200);
	}

	private static long occurrences(CapturedOutput output, String text) {
		return output.toString().lines().filter((line) -> line.contains(text)).count();
	}

	/** The decisions Redis did not make, each followed by on-failure (here the instance's own bucket). */
	private static double errors(ApplicationContext context) {
		Counter counter = context.getBean(MeterRegistry.class)
			.find("zeroclaw.resilience.ratelimit.requests")
			.tags("policy", "webhook", "outcome", "error")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	/** Opens each instance's Redis connection outside the measured requests, as a running application has. */
	private void warmUp(MockMvc... instances) {
		for (MockMvc mvc : instances) {
			await().atMost(Duration.ofSeconds(20)).until(() -> {
				String client = "warm-up-" + UUID.randomUUID();
				return status(mvc, client) == 200
						&& redis.command("EXISTS", this.prefix + "{webhook:" + client + "}").equals(":1");
			});
		}
	}

	private static MockMvc mockMvc(ApplicationContext context) {
		Filter filter = context.getBean(FilterRegistrationBean.class).getFilter();
		return MockMvcBuilders.webAppContextSetup((WebApplicationContext) context).addFilters(filter).build();
	}

	private static int status(MockMvc mvc, String client) throws Exception {
		return mvc.perform(request(client)).andReturn().getResponse().getStatus();
	}

	private static MockHttpServletRequestBuilder request(String client) {
		return post("/webhook").with((request) -> {
			request.setRemoteAddr(client);
			return request;
		});
	}

	private static int deadPort() throws Exception {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	@RestController
	static class WebhookController {

		@PostMapping("/webhook")
		String webhook() {
			return "{\"accepted\":true}";
		}

	}

}
