package io.zeroclaw.resilience.forward;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README: "the filter also runs on forwards, so that one made ahead of it (... Spring Security forwarding an anonymous
 * request to its login page ahead of the filter for principal keys) is limited by the path it forwards to".
 */
@SpringBootTest(classes = ForwardedLoginTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.include-paths=", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=principal",
				"zeroclaw.resilience.rate-limit.policies.signin.paths=/signin",
				"zeroclaw.resilience.rate-limit.policies.signin.requests-per-window=2",
				"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
				"zeroclaw.resilience.rate-limit.policies.api.requests-per-window=10" })
class ForwardedLoginTests {

	@LocalServerPort
	private int port;

	private final HttpClient client = HttpClient.newHttpClient();

	@Test
	void anAnonymousRequestForwardedToTheLoginPageIsLimitedByTheLoginPagesPolicy() throws Exception {
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> page = get("/api/me");
			assertThat(page.statusCode()).isEqualTo(200);
			assertThat(page.body()).isEqualTo("sign in");
		}
		HttpResponse<String> refused = get("/api/me");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.body()).contains("'signin'");
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("Accept", "text/html")
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootApplication
	static class App {

		@Bean
		SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
			LoginUrlAuthenticationEntryPoint entryPoint = new LoginUrlAuthenticationEntryPoint("/signin");
			entryPoint.setUseForward(true);
			http.authorizeHttpRequests((authorize) -> authorize.requestMatchers("/signin", "/error")
				.permitAll()
				.anyRequest()
				.authenticated())
				.formLogin((form) -> form.loginPage("/signin"))
				.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(entryPoint))
				.httpBasic(Customizer.withDefaults());
			return http.build();
		}

		@Bean
		UserDetailsService users() {
			return new InMemoryUserDetailsManager(
					User.withUsername("alice").password("{noop}pw").roles("USER").build());
		}

		@RestController
		static class Pages {

			@GetMapping("/signin")
			String signin() {
				return "sign in";
			}

			@GetMapping("/api/me")
			String me() {
				return "me";
			}

		}

	}

}
