package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.UUID;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.ratelimit.redis.RedisServer;
import jakarta.servlet.Filter;
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
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * A Redis ACL user with exactly the permissions the README lists has every decision made in Redis.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisAclPermissionsTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final String prefix = "acl:" + UUID.randomUUID() + ":";

	private final String user = "limiter-" + UUID.randomUUID();

	@AfterEach
	void dropUser() {
		redis.command("ACL", "DELUSER", this.user);
	}

	private WebApplicationContextRunner runner() {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
					RateLimitAutoConfiguration.class, DataRedisAutoConfiguration.class, WebMvcAutoConfiguration.class))
			.withUserConfiguration(WebhookController.class)
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.store=redis",
					"zeroclaw.resilience.rate-limit.redis.key-prefix=" + this.prefix,
					"zeroclaw.resilience.rate-limit.redis.timeout=5s",
					"zeroclaw.resilience.rate-limit.redis.on-failure=deny",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
					"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=2",
					"zeroclaw.resilience.rate-limit.policies.webhook.burst=0",
					"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
					"spring.data.redis.username=" + this.user, "spring.data.redis.password=pw");
	}

	@Test
	void userWithExactlyTheReadmePermissionsShouldHaveEveryDecisionMadeInRedis(CapturedOutput output) {
		assertThat(redis.command("ACL", "SETUSER", this.user, "on", ">pw", "~" + this.prefix + "*", "+evalsha",
				"+eval", "+script|load", "+time", "+get", "+psetex")).isEqualTo("+OK");
		decide(output);
	}

	@Test
	void userWithTheReadmePermissionsAndTheDatabaseSelectShouldHaveEveryDecisionMadeInRedis(CapturedOutput output) {
		assertThat(redis.command("ACL", "SETUSER", this.user, "on", ">pw", "~" + this.prefix + "*", "+evalsha",
				"+eval", "+script|load", "+time", "+get", "+psetex", "+select")).isEqualTo("+OK");
		runner().withPropertyValues("spring.data.redis.database=3").run((context) -> {
			MockMvc mvc = mockMvc(context);
			assertThat(status(mvc)).isEqualTo(200);
			assertThat(status(mvc)).isEqualTo(200);
			assertThat(status(mvc)).isEqualTo(429);
		});
	}

	@Test
	void userWithoutEvalShouldBeDecidedInRedisAgainOnceRedisHasLostTheScript() {
		assertThat(redis.command("ACL", "SETUSER", this.user, "on", ">pw", "~" + this.prefix + "*", "+evalsha",
				"+script|load", "+time", "+get", "+psetex")).isEqualTo("+OK");
		runner().withPropertyValues("zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=3")
			.run((context) -> {
				MockMvc mvc = mockMvc(context);
				assertThat(status(mvc)).isEqualTo(200);
				// a restart without persistence, a fail-over to a replica that never had it: EVAL is refused
				assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("+OK");
				assertThat(status(mvc)).as("EVAL after NOSCRIPT, refused: on-failure").isEqualTo(503);
				// each refused decision spends no token; once the script is loaded again, Redis decides
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(mvc)).isEqualTo(200));
				assertThat(status(mvc)).isEqualTo(200);
				assertThat(status(mvc)).as("decided in Redis: the first request's token is spent there")
					.isEqualTo(429);
			});
	}

	private void decide(CapturedOutput output) {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			MockMvc mvc = mockMvc(context);
			assertThat(status(mvc)).isEqualTo(200);
			assertThat(status(mvc)).isEqualTo(200);
			assertThat(status(mvc)).isEqualTo(429);
			assertThat(redis.command("EXISTS", this.prefix + "{webhook:203.0.113.7}")).isEqualTo(":1");
		});
		assertThat(output).doesNotContain("NOPERM").doesNotContain("Redis did not decide");
	}

	private static MockMvc mockMvc(ApplicationContext context) {
		Filter filter = context.getBean(FilterRegistrationBean.class).getFilter();
		return MockMvcBuilders.webAppContextSetup((WebApplicationContext) context).addFilters(filter).build();
	}

	private static int status(MockMvc mvc) throws Exception {
		return mvc.perform(post("/webhook").with((request) -> {
			request.setRemoteAddr("203.0.113.7");
			return request;
		})).andReturn().getResponse().getStatus();
	}

	@RestController
	static class WebhookController {

		@PostMapping("/webhook")
		String webhook() {
			return "ok";
		}

	}

}
