package io.zeroclaw.resilience.security;

import java.security.Principal;
import java.util.List;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * An application as a user secures it: HTTP Basic, form login, a bearer-token resource server, an admin area, and a
 * {@code CorsConfigurationSource} bean for {@code http.cors()}.
 */
@SpringBootApplication
public class SecuredApplication {

	static final String ORIGIN = "https://app.example";

	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests((authorize) -> authorize.requestMatchers("/public/**", "/error")
			.permitAll()
			.requestMatchers("/admin/**")
			.hasRole("ADMIN")
			.anyRequest()
			.authenticated())
			.httpBasic(Customizer.withDefaults())
			.formLogin(Customizer.withDefaults())
			.oauth2ResourceServer((server) -> server.jwt(Customizer.withDefaults()))
			.cors(Customizer.withDefaults())
			.csrf((csrf) -> csrf.disable());
		return http.build();
	}

	@Bean
	UserDetailsService users() {
		InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
		for (String name : List.of("alice", "bob", "erin", "gina", "hank", "ivan")) {
			users.createUser(User.withUsername(name).password("{noop}pw").roles("USER").build());
		}
		return users;
	}

	@Bean
	JwtDecoder jwtDecoder() {
		return (token) -> {
			if (!token.startsWith("tok-")) {
				throw new BadJwtException("bad token");
			}
			return Jwt.withTokenValue(token).header("alg", "none").subject(token.substring(4)).build();
		};
	}

	@Bean
	CorsConfigurationSource corsConfigurationSource() {
		CorsConfiguration configuration = new CorsConfiguration();
		configuration.setAllowedOrigins(List.of(ORIGIN));
		configuration.setAllowedMethods(List.of("GET", "POST"));
		configuration.setAllowedHeaders(List.of("*"));
		configuration.setAllowCredentials(true);
		configuration.setExposedHeaders(List.of("Retry-After", "RateLimit", "RateLimit-Policy"));
		UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
		source.registerCorsConfiguration("/**", configuration);
		return source;
	}

	@RestController
	static class Endpoints {

		@GetMapping({ "/api/me", "/public/me", "/admin/me" })
		String me(Principal principal) {
			return (principal != null) ? principal.getName() : "anonymous";
		}

		@PostMapping("/api/me")
		String post(Principal principal) {
			return principal.getName();
		}

	}

}
