package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Preflights of a header policy, on a real server: one the application's CORS configuration covers is answered by the
 * filter from it, uncounted and passed to nothing else; a request merely dressed as a preflight gets no further than
 * that answer, and where no configuration covers it, it is counted by address like any keyless request, so that it
 * cannot reach work behind the filter (a servlet serving every method, an interceptor) past the limit.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { RateLimitTestApplication.class, RateLimitPreflightIntegrationTests.ProxyConfig.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.include-paths=/nothing",
				"zeroclaw.resilience.rate-limit.policies.upstream.paths=/upstream/**",
				"zeroclaw.resilience.rate-limit.policies.upstream.key=header",
				"zeroclaw.resilience.rate-limit.policies.upstream.requests-per-window=2",
				"zeroclaw.resilience.rate-limit.policies.upstream.burst=0",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
				"zeroclaw.resilience.rate-limit.policies.api.key=header",
				"zeroclaw.resilience.rate-limit.policies.api.requests-per-window=2",
				"zeroclaw.resilience.rate-limit.policies.api.burst=0" })
class RateLimitPreflightIntegrationTests {

	private static final String APP = "https://app.example";

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private ProxyConfig config;

	@Test
	void preflightsFromAnAllowedOriginShouldBeAnsweredUncountedAndGoNoFurther() throws Exception {
		for (int i = 0; i < 5; i++) {
			HttpResponse<String> response = send(preflight("/api/chat", APP));
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
			assertThat(response.headers().firstValue("RateLimit")).isEmpty();
		}
		assertThat(this.config.interceptorCalls).hasValue(0);
	}

	@Test
	void requestsDressedAsPreflightsFromAnotherOriginShouldBeRefusedAndGoNoFurther() throws Exception {
		for (int i = 0; i < 5; i++) {
			HttpResponse<String> response = send(preflight("/api/other", "https://attacker.example"));
			assertThat(response.statusCode()).isEqualTo(403);
		}
		assertThat(this.config.interceptorCalls).hasValue(0);
	}

	@Test
	void requestsDressedAsPreflightsWhereNoCorsConfigurationAppliesShouldBeCountedByAddress() throws Exception {
		int answered = 0;
		for (int i = 0; i < 10; i++) {
			if (send(preflight("/upstream/v1/chat", "https://attacker.example")).statusCode() == 200) {
				answered++;
			}
		}
		assertThat(this.config.upstreamCalls).hasValue(2);
		assertThat(answered).isEqualTo(2);
	}

	private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
		return client.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private HttpRequest preflight(String path, String origin) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.method("OPTIONS", HttpRequest.BodyPublishers.noBody())
			.header("Origin", origin)
			.header("Access-Control-Request-Method", "POST")
			.header("Access-Control-Request-Headers", "X-API-Key")
			.build();
	}

	@Configuration(proxyBeanMethods = false)
	static class ProxyConfig implements WebMvcConfigurer {

		final AtomicInteger interceptorCalls = new AtomicInteger();

		final AtomicInteger upstreamCalls = new AtomicInteger();

		/** Stands for an interceptor that does per-request work (a tenant lookup, metering, an audit record). */
		@Override
		public void addInterceptors(InterceptorRegistry registry) {
			registry.addInterceptor(new HandlerInterceptor() {

				@Override
				public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
					ProxyConfig.this.interceptorCalls.incrementAndGet();
					return true;
				}

			}).addPathPatterns("/api/**");
		}

		@Override
		public void addCorsMappings(CorsRegistry registry) {
			registry.addMapping("/api/**").allowedOrigins(APP).allowedMethods("GET", "POST").allowedHeaders("X-API-Key");
		}

		/** Stands for a reverse-proxy servlet: every request, OPTIONS included, costs an upstream call. */
		@Bean
		ServletRegistrationBean<HttpServlet> upstreamProxyServlet() {
			HttpServlet proxy = new HttpServlet() {

				@Override
				protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
					ProxyConfig.this.upstreamCalls.incrementAndGet();
					response.setStatus(200);
					response.getWriter().write("upstream answered " + request.getMethod());
				}

			};
			return new ServletRegistrationBean<>(proxy, "/upstream/*");
		}

	}

}
