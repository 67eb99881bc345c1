package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.ServletRegistration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurationSupport;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring MVC's CORS mappings grant CORS for Spring MVC's handlers only: the filter answers a preflight, and dresses a
 * refusal, from them only for a request that goes to Spring MVC's {@code DispatcherServlet}. A servlet of the
 * application's own, which grants no CORS, keeps its own answer, as it does with rate limiting off; on a real Tomcat,
 * where each request names the servlet it goes to.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = RateLimitPreflightOtherServletIntegrationTests.App.class,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true", "zeroclaw.resilience.rate-limit.key=principal",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.window=1h", "server.forward-headers-strategy=native" })
class RateLimitPreflightOtherServletIntegrationTests {

	private static final String ORIGIN = "https://elsewhere.example";

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void preflightOfAnotherServletShouldReachThatServletWithoutSpringMvcsGrant() throws Exception {
		HttpResponse<String> preflight = send("OPTIONS", "/legacy/accounts/7", "203.0.113.1");
		assertThat(preflight.headers().map()).doesNotContainKeys("access-control-allow-origin",
				"access-control-allow-methods", "access-control-allow-credentials");
		assertThat(preflight.body()).isEqualTo("legacy servlet: OPTIONS");
	}

	@Test
	void preflightOfSpringMvcShouldStillBeAnsweredFromItsMappings() throws Exception {
		HttpResponse<String> preflight = send("OPTIONS", "/mvc/accounts", "203.0.113.2");
		assertThat(preflight.statusCode()).isEqualTo(200);
		assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
		assertThat(preflight.body()).isEmpty();
	}

	@Test
	void refusalForAnotherServletShouldCarryNoneOfSpringMvcsCorsHeaders() throws Exception {
		assertThat(send("GET", "/legacy/accounts/7", "203.0.113.3").statusCode()).isEqualTo(200);
		HttpResponse<String> refused = send("GET", "/legacy/accounts/7", "203.0.113.3");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().map()).doesNotContainKeys("access-control-allow-origin");
		assertThat(send("GET", "/mvc/accounts", "203.0.113.4").statusCode()).isEqualTo(200);
		HttpResponse<String> mvcRefused = send("GET", "/mvc/accounts", "203.0.113.4");
		assertThat(mvcRefused.statusCode()).isEqualTo(429);
		assertThat(mvcRefused.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
	}

	/**
	 * A second {@code DispatcherServlet} over a context of its own (no CORS there) starts on its first request: until
	 * then it has no context, and it is still not Spring MVC's of this context.
	 */
	@Test
	void preflightOfASecondDispatcherServletShouldGetNoneOfThisContextsGrant() throws Exception {
		HttpResponse<String> mvc = send("OPTIONS", "/mvc/accounts", "203.0.113.5");
		assertThat(mvc.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
		HttpResponse<String> child = send("OPTIONS", "/child/accounts", "203.0.113.6");
		assertThat(child.headers().map()).doesNotContainKeys("access-control-allow-origin",
				"access-control-allow-credentials");
		assertThat(send("GET", "/child/hello", "203.0.113.7").body()).isEqualTo("child hello");
	}

	/**
	 * A second {@code DispatcherServlet} told to serve this very context ({@code contextAttribute}) is Spring MVC's
	 * of this context once started, though it had no context when the filter first looked.
	 */
	@Test
	void refusalOfADispatcherServletServingThisContextShouldCarryItsCorsOnceStarted() throws Exception {
		send("OPTIONS", "/mvc/accounts", "203.0.113.8");
		HttpResponse<String> served = send("GET", "/alt/mvc/accounts", "203.0.113.9");
		assertThat(served.statusCode()).isEqualTo(200);
		assertThat(served.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
		HttpResponse<String> refused = send("GET", "/alt/mvc/accounts", "203.0.113.9");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
	}

	/** A {@code DispatcherServlet} bean registered under the name its {@code @ServletRegistration} gives. */
	@Test
	void refusalOfAnAnnotatedDispatcherServletBeanShouldCarryItsCors() throws Exception {
		send("OPTIONS", "/mvc/accounts", "203.0.113.10");
		HttpResponse<String> served = send("GET", "/named/mvc/accounts", "203.0.113.11");
		assertThat(served.statusCode()).isEqualTo(200);
		HttpResponse<String> refused = send("GET", "/named/mvc/accounts", "203.0.113.11");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
	}

	/** Each test from its own address (Tomcat trusts the loopback proxy's X-Forwarded-For), so quotas don't mix. */
	private HttpResponse<String> send(String method, String path, String address) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.header("Origin", ORIGIN)
			.header("X-Forwarded-For", address);
		if (method.equals("OPTIONS")) {
			request.header("Access-Control-Request-Method", "DELETE");
		}
		return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class App implements WebMvcConfigurer {

		@Override
		public void addCorsMappings(CorsRegistry registry) {
			registry.addMapping("/**").allowedOriginPatterns("*").allowedMethods("*").allowCredentials(true);
		}

		@Bean
		ServletRegistrationBean<HttpServlet> legacyServlet() {
			return new ServletRegistrationBean<>(new HttpServlet() {
				@Override
				protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
					response.getWriter().write("legacy servlet: " + request.getMethod());
				}
			}, "/legacy/*");
		}

		@Bean
		AccountsController accountsController() {
			return new AccountsController();
		}

		@Bean
		ServletRegistrationBean<DispatcherServlet> childServlet() {
			DispatcherServlet servlet = new DispatcherServlet();
			servlet.setContextClass(AnnotationConfigWebApplicationContext.class);
			servlet.setContextConfigLocation(ChildConfig.class.getName());
			ServletRegistrationBean<DispatcherServlet> registration = new ServletRegistrationBean<>(servlet,
					"/child/*");
			registration.setName("child");
			return registration;
		}

		@Bean
		@ServletRegistration(name = "named", urlMappings = "/named/*")
		DispatcherServlet namedDispatcherServlet() {
			return new DispatcherServlet();
		}

		@Bean
		ServletRegistrationBean<DispatcherServlet> altServlet() {
			DispatcherServlet servlet = new DispatcherServlet();
			servlet.setContextAttribute(WebApplicationContext.ROOT_WEB_APPLICATION_CONTEXT_ATTRIBUTE);
			ServletRegistrationBean<DispatcherServlet> registration = new ServletRegistrationBean<>(servlet, "/alt/*");
			registration.setName("alt");
			return registration;
		}

	}

	/** Spring MVC of the child servlet's own, with none of the application's CORS mappings. */
	@Configuration(proxyBeanMethods = false)
	static class ChildConfig extends WebMvcConfigurationSupport {

		@Bean
		ChildController childController() {
			return new ChildController();
		}

	}

	@RestController
	static class ChildController {

		@GetMapping("/hello")
		String hello() {
			return "child hello";
		}

		@DeleteMapping("/accounts")
		String delete() {
			return "deleted";
		}

	}

	@RestController
	static class AccountsController {

		@GetMapping("/mvc/accounts")
		String accounts() {
			return "accounts";
		}

	}

}
