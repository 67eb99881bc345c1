package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Tomcat set to decode an encoded backslash and to take a backslash for a slash routes {@code /ctx%5Clegacy%5Ca} to
 * the {@code /ctx} application's servlet at {@code /legacy/*}, yet cannot say which spelling of the context path it
 * matched ({@code getContextPath()} throws): the filter goes by the served path, and the request is limited under
 * that servlet's policy instead of failing with a 500. On a real server, one request a minute.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { LegacyServletApplication.class,
				RateLimitFilterEncodedBackslashContextPathIntegrationTests.DecodeBackslash.class },
		properties = { "server.servlet.context-path=/ctx", "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.legacy.paths=/legacy/**",
				"zeroclaw.resilience.rate-limit.policies.legacy.requests-per-window=1",
				"zeroclaw.resilience.rate-limit.policies.legacy.burst=0" })
class RateLimitFilterEncodedBackslashContextPathIntegrationTests {

	@LocalServerPort
	private int port;

	@Test
	void requestWhoseContextPathTheServerCannotTellShouldBeLimitedByTheServedPath() throws Exception {
		HttpResponse<String> first = LegacyServletApplication.get(this.port, "/ctx%5Clegacy%5Ca", "X-Client", "b");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.body()).isEqualTo("legacy /a");
		assertThat(first.headers().firstValue("RateLimit")).hasValue("\"legacy\";r=0;t=60");
		HttpResponse<String> second = LegacyServletApplication.get(this.port, "/ctx%5Clegacy%5Ca", "X-Client", "b");
		assertThat(second.statusCode()).isEqualTo(429);
		assertThat(second.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	@Configuration(proxyBeanMethods = false)
	static class DecodeBackslash {

		@Bean
		static TomcatConnectorCustomizer decodeEncodedBackslash() {
			return (connector) -> {
				connector.setEncodedReverseSolidusHandling("decode");
				connector.setAllowBackslash(true);
			};
		}

	}

}
