package io.zeroclaw.resilience.autoconfigure.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Priority;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A catch-all {@code @ExceptionHandler(Exception.class)} in a controller (or a base class every controller extends),
 * which Spring MVC asks before any advice: refusals escaping such a controller are still 503s with
 * {@code Retry-After} and a problem body, while its other exceptions, a controller's own handler of a refusal type,
 * and its handler of an exception of its own that wraps a refusal, keep their answers. On a real server.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = ResilienceExceptionHandlerLocalHandlerIntegrationTests.LocalHandlerApplication.class,
		properties = { "zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.backpressure.enabled=true" })
class ResilienceExceptionHandlerLocalHandlerIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void openBreakerUnderAControllersOwnCatchAllShouldBe503() throws Exception {
		HttpResponse<String> response = get("/open");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("\"title\":\"Upstream unavailable\"");
	}

	@Test
	void refusalUnderAControllersOwnCatchAllShouldPassTheApplicationsBodyAdviceAndErrorInterceptors()
			throws Exception {
		// as a refusal answered by the advice does: the application's additions to every problem body are kept
		for (String path : new String[] { "/open", "/open-elsewhere" }) {
			HttpResponse<String> response = get(path);
			assertThat(response.statusCode()).as(path).isEqualTo(503);
			assertThat(response.body()).as(path).contains("\"advised\":true").contains("\"intercepted\":true");
		}
	}

	@Test
	void shedWorkUnderAControllersOwnCatchAllShouldBe503() throws Exception {
		HttpResponse<String> response = get("/shed");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
	}

	@Test
	void refusalUnderACatchAllThatNamesItsTypeOnlyByItsParameterShouldBe503() throws Exception {
		// @ExceptionHandler with no value catches what its exception parameter names
		HttpResponse<String> response = get("/open-by-parameter");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
	}

	@Test
	void refusalUnderACatchAllWithoutAnExceptionParameterShouldBe503() throws Exception {
		HttpResponse<String> response = get("/open-without-parameter");
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
	}

	@Test
	void otherExceptionsShouldStillGoToTheControllersCatchAll() throws Exception {
		HttpResponse<String> response = get("/other");
		assertThat(response.statusCode()).isEqualTo(500);
		assertThat(response.body()).isEqualTo("handled by the controller");
	}

	@Test
	void controllersOwnHandlerOfARefusalShouldStillAnswerIt() throws Exception {
		HttpResponse<String> response = get("/fallback");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("cached answer");
	}

	@Test
	void controllersOwnHandlerOfItsOwnExceptionWrappingARefusalShouldStillAnswerIt() throws Exception {
		HttpResponse<String> response = get("/wrapped");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("The assistant is offline; here is the cached answer.");
	}

	private HttpResponse<String> get(String path) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	/** What many applications put in a base class of their controllers. */
	abstract static class BaseController {

		@ExceptionHandler(Exception.class)
		ResponseEntity<String> anything(Exception ex) {
			return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("handled by the controller");
		}

	}

	@RestController
	static class ChatController extends BaseController {

		@GetMapping("/open")
		String open() {
			throw new CircuitOpenException("llm", Duration.ofSeconds(7));
		}

		@GetMapping("/shed")
		String shed() {
			throw new LoadShedException(Priority.LOW, 7);
		}

		@GetMapping("/other")
		String other() {
			throw new IllegalStateException("other");
		}

	}

	@RestController
	static class FallbackController extends BaseController {

		@GetMapping("/fallback")
		String fallback() {
			throw new CircuitOpenException("llm", Duration.ofSeconds(7));
		}

		@ExceptionHandler(CircuitOpenException.class)
		ResponseEntity<String> breakerOpen(CircuitOpenException ex) {
			return ResponseEntity.ok("cached answer");
		}

	}

	@RestController
	static class ParameterTypedCatchAllController {

		@GetMapping("/open-by-parameter")
		String open() {
			throw new CircuitOpenException("llm", Duration.ofSeconds(7));
		}

		@ExceptionHandler
		ResponseEntity<String> anything(Exception ex) {
			return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("handled by the controller");
		}

	}

	@RestController
	static class ParameterlessCatchAllController {

		@GetMapping("/open-without-parameter")
		String open() {
			throw new CircuitOpenException("llm", Duration.ofSeconds(7));
		}

		@ExceptionHandler(RuntimeException.class)
		ResponseEntity<String> anything() {
			return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("handled by the controller");
		}

	}

	/** The application's own exception: the assistant could not answer, for whatever reason. */
	static class AssistantUnavailableException extends RuntimeException {

		AssistantUnavailableException(Throwable cause) {
			super("assistant unavailable", cause);
		}

	}

	@RestController
	static class WrappingController extends BaseController {

		@GetMapping("/wrapped")
		String wrapped() {
			throw new AssistantUnavailableException(new CircuitOpenException("llm", Duration.ofSeconds(7)));
		}

		@ExceptionHandler(AssistantUnavailableException.class)
		ResponseEntity<String> degraded(AssistantUnavailableException ex) {
			return ResponseEntity.ok("The assistant is offline; here is the cached answer.");
		}

	}

	/** A controller without a handler of its own: its refusals go to the advice. */
	@RestController
	static class PlainController {

		@GetMapping("/open-elsewhere")
		String open() {
			throw new CircuitOpenException("llm", Duration.ofSeconds(7));
		}

	}

	/** An application's own addition to every problem body it sends. */
	@ControllerAdvice
	static class ProblemBodyAdvice implements ResponseBodyAdvice<Object> {

		@Override
		public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
			return true;
		}

		@Override
		public Object beforeBodyWrite(Object body, MethodParameter returnType, MediaType selectedContentType,
				Class<? extends HttpMessageConverter<?>> selectedConverterType, ServerHttpRequest request,
				ServerHttpResponse response) {
			if (body instanceof ProblemDetail problem) {
				problem.setProperty("advised", true);
			}
			return body;
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
	static class LocalHandlerApplication {

		@Bean
		ChatController chatController() {
			return new ChatController();
		}

		@Bean
		FallbackController fallbackController() {
			return new FallbackController();
		}

		@Bean
		WrappingController wrappingController() {
			return new WrappingController();
		}

		@Bean
		ParameterTypedCatchAllController parameterTypedCatchAllController() {
			return new ParameterTypedCatchAllController();
		}

		@Bean
		ParameterlessCatchAllController parameterlessCatchAllController() {
			return new ParameterlessCatchAllController();
		}

		@Bean
		PlainController plainController() {
			return new PlainController();
		}

		@Bean
		ProblemBodyAdvice problemBodyAdvice() {
			return new ProblemBodyAdvice();
		}

		@Bean
		WebMvcConfigurer errorResponseInterceptorConfigurer() {
			return new WebMvcConfigurer() {

				@Override
				public void addErrorResponseInterceptors(List<ErrorResponse.Interceptor> interceptors) {
					interceptors.add((problem, errorResponse) -> problem.setProperty("intercepted", true));
				}

			};
		}

	}

}
