package io.zeroclaw.resilience.autoconfigure.web;

import java.net.URI;
import java.time.Duration;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient.BodyContentSpec;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebExceptionHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Refusals escaping a WebFlux handler, thrown or signalled by its publisher, through the reactive dispatcher: 503,
 * {@code Retry-After} and a problem body, as in Spring MVC.
 */
class ResilienceWebFluxAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				ResilienceWebFluxAutoConfiguration.class, ResilienceWebMvcAutoConfiguration.class,
				WebFluxAutoConfiguration.class))
		.withUserConfiguration(RefusingController.class);

	@Test
	void anOpenBreakerEscapingAHandlerShouldBeA503WithRetryAfterAndAProblem() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true").run((context) -> {
			assertThat(context).hasSingleBean(ResilienceExceptionHandler.class);
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
			expectRefusal(client, "/open", "13", ResilienceExceptionHandler.CIRCUIT_OPEN_TYPE)
				.jsonPath("$.status")
				.isEqualTo(503)
				.jsonPath("$.detail")
				.isEqualTo("The upstream 'llm' is failing and its circuit breaker is open.");
		});
	}

	@Test
	void workShedInAPublisherShouldBeA503WithRetryAfterAndAProblem() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true").run((context) -> {
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
			expectRefusal(client, "/shed", "1", ResilienceExceptionHandler.OVERLOADED_TYPE);
		});
	}

	@Test
	void aRefusalThrownByAFunctionalEndpointShouldBeA503WithRetryAfterAndAProblem() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.withUserConfiguration(RefusingRoutes.class)
			.run((context) -> {
				WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
				expectRefusal(client, "/fn/open", "13", ResilienceExceptionHandler.CIRCUIT_OPEN_TYPE)
					.jsonPath("$.instance")
					.isEqualTo("/fn/open");
			});
	}

	@Test
	void aBodyOfAFunctionalEndpointFailingBeforeTheResponseIsCommittedShouldBeA503() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.withUserConfiguration(RefusingRoutes.class)
			.run((context) -> {
				WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
				expectRefusal(client, "/fn/stream", "1", ResilienceExceptionHandler.OVERLOADED_TYPE);
				// anything else is left to the application's error handling
				client.get().uri("/fn/broken").exchange().expectStatus().isEqualTo(500);
			});
	}

	@Test
	void anApplicationsCatchAllHandlerPlacedBeforeSpringBootsShouldNotTurnARefusalIntoA500() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.withUserConfiguration(RefusingRoutes.class, CatchAllHandler.class)
			.run((context) -> {
				WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
				client.get().uri("/fn/open").exchange().expectStatus().isEqualTo(503);
				client.get()
					.uri("/fn/broken")
					.exchange()
					.expectStatus()
					.isEqualTo(500)
					.expectBody(String.class)
					.isEqualTo("caught");
			});
	}

	@Test
	void anApplicationsHandlerOfTheSameNameShouldReplaceTheStarters() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.withUserConfiguration(RefusingRoutes.class)
			.withBean("resilienceWebExceptionHandler", WebExceptionHandler.class,
					() -> (exchange, ex) -> Mono.error(ex))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean("resilienceWebExceptionHandler"))
					.isNotInstanceOf(ResilienceWebExceptionHandler.class);
			});
	}

	@Test
	void withNoProtectionEnabledTheRefusalShouldBeLeftToTheApplication() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ResilienceExceptionHandler.class));
	}

	/** An application's own catch-all, placed before Spring Boot's error handler as such handlers commonly are. */
	@Configuration(proxyBeanMethods = false)
	static class CatchAllHandler {

		@Bean
		@Order(-2)
		WebExceptionHandler catchAll() {
			return (exchange, ex) -> {
				exchange.getResponse().setStatusCode(HttpStatus.INTERNAL_SERVER_ERROR);
				return exchange.getResponse()
					.writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap("caught".getBytes())));
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RefusingRoutes {

		@Bean
		RouterFunction<ServerResponse> refusingRoutes() {
			return RouterFunctions.route()
				.GET("/fn/open", (request) -> {
					throw new CircuitOpenException("llm", Duration.ofMillis(12_500));
				})
				.GET("/fn/stream",
						(request) -> ServerResponse.ok()
							.contentType(MediaType.TEXT_EVENT_STREAM)
							.body(Flux.error(new LoadShedException(Priority.LOW, 900)), String.class))
				.GET("/fn/broken", (request) -> {
					throw new IllegalStateException("a bug of the application's");
				})
				.build();
		}

	}

	/** A 503 with the given {@code Retry-After}, and a problem body of the given type, for further assertions. */
	private static BodyContentSpec expectRefusal(WebTestClient client, String uri, String retryAfter, URI type) {
		return client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals("Retry-After", retryAfter)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo(type.toString());
	}

	@RestController
	static class RefusingController {

		@GetMapping("/open")
		String open() {
			throw new CircuitOpenException("llm", Duration.ofMillis(12_500));
		}

		@GetMapping("/shed")
		Mono<String> shed() {
			return Mono.error(new LoadShedException(Priority.LOW, 900));
		}

	}

}
