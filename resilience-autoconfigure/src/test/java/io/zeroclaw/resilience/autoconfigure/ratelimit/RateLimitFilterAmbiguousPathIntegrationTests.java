package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request path whose spelling and served path fall under different policies: Spring MVC serves the spelling, a
 * servlet of its own the normalized path, so no rule order could tell which policy the serving handler has, and a
 * client that could pick the earlier one by spelling would choose its own key under a header-keyed policy. Such a
 * request is refused. On a real server; every policy one request a minute; a fresh API key per request.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { LegacyServletApplication.class, RateLimitFilterAmbiguousPathIntegrationTests.Reports.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.include-paths=",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.policies.public.paths=/public/**",
				"zeroclaw.resilience.rate-limit.policies.public.key=header",
				"zeroclaw.resilience.rate-limit.policies.public.key-header=X-API-Key",
				"zeroclaw.resilience.rate-limit.policies.reports.paths=/reports/**",
				"zeroclaw.resilience.rate-limit.policies.legacy.paths=/legacy/**" })
// The legacy policy keys by address, and every request here comes from one: the test that needs that bucket fresh
// runs first, whatever order JUnit would otherwise pick.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitFilterAmbiguousPathIntegrationTests {

	@LocalServerPort
	private int port;

	@Test
	void handlerServedAsSpelledShouldNotBeReachedUnderAnEarlierPolicyOfItsServedPath() throws Exception {
		assertThat(get("/reports/a").body()).isEqualTo("report");
		assertThat(get("/reports/a").statusCode()).isEqualTo(429);
		HttpResponse<String> respelled = get("/reports/x/../../public/y");
		assertThat(respelled.statusCode()).isEqualTo(400);
		assertThat(respelled.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(respelled.body()).contains("different rate limits");
	}

	@Test
	@Order(1)
	void servletServedAtItsNormalizedPathShouldNotBeReachedUnderAnEarlierPolicyOfItsSpelling() throws Exception {
		assertThat(get("/legacy/a").body()).isEqualTo("legacy /a");
		assertThat(get("/legacy/a").statusCode()).isEqualTo(429);
		assertThat(get("/public/../legacy/a").statusCode()).isEqualTo(400);
	}

	@Test
	@Order(2)
	void respellingWithinOnePolicyShouldBeLimitedByIt() throws Exception {
		// the address's legacy bucket may be spent already by another test: whether or not, it is the one taken from
		assertThat(get("/legacy/x/../b").headers().firstValue("RateLimit")).hasValueSatisfying(
				(header) -> assertThat(header).startsWith("\"legacy\";"));
		HttpResponse<String> again = get("/legacy/./b");
		assertThat(again.statusCode()).isEqualTo(429);
		assertThat(again.headers().firstValue("RateLimit")).hasValue("\"legacy\";r=0;t=60");
	}

	private HttpResponse<String> get(String target) throws Exception {
		return LegacyServletApplication.get(this.port, target, "X-API-Key", UUID.randomUUID().toString());
	}

	@RestController
	static class Reports {

		@GetMapping("/reports/**")
		String report() {
			return "report";
		}

		@GetMapping("/public/**")
		String open() {
			return "public";
		}

	}

}
