package io.zeroclaw.resilience.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimiterFactory;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 'redis' profile switches the rate limits to the Redis store and reports Redis in the health; with no Redis
 * listening (a port nothing answers on) the app still starts and keeps limiting on its own.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "spring.data.redis.port=1")
@ActiveProfiles("redis")
class RedisProfileTests {

	@LocalServerPort
	private int port;

	@Autowired
	private RateLimiterFactory rateLimiterFactory;

	@Test
	void redisProfileShouldUseTheRedisStore() {
		assertThat(this.rateLimiterFactory.create(new RateLimitPolicy("probe", 1, java.time.Duration.ofMinutes(1), 0),
				10))
			.isInstanceOf(RedisRateLimiter.class);
	}

	@Test
	void redisProfileShouldReportRedisInTheHealth() throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/health")).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.body()).contains("\"redis\"");
	}

}
