package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.kotlin.PrioritizedSuspendBodyTests.Inner
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.SpringBootConfiguration
import org.springframework.boot.autoconfigure.EnableAutoConfiguration
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.boot.test.web.server.LocalServerPort
import org.springframework.context.annotation.Import
import org.springframework.web.bind.annotation.GetMapping
import org.springframework.web.bind.annotation.RestController

/**
 * A `@Prioritized` Spring MVC `suspend` handler on a real Tomcat: its body, on whatever thread it resumes, holds the
 * request's slot for the calls it makes, and the slot is given back after the response, a time-out or a failure.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
	classes = [PrioritizedSuspendHandlerTomcatTests.App::class],
	properties = ["zeroclaw.resilience.backpressure.enabled=true",
		"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.mvc.async.request-timeout=200ms"])
class PrioritizedSuspendHandlerTomcatTests {

	@LocalServerPort
	var port: Int = 0

	@Autowired
	lateinit var controller: BackpressureController

	@Test
	fun `a prioritized suspend handler's body holds its slot on Tomcat and gives it back after the response`() {
		val client = HttpClient.newHttpClient()
		val response = whileHeld(controller, 6) {
			client.send(HttpRequest.newBuilder(URI.create("http://localhost:$port/plan")).build(),
				HttpResponse.BodyHandlers.ofString())
		}
		assertThat(response.statusCode()).isEqualTo(200)
		assertThat(response.body()).isEqualTo("7 7 7")
		await().atMost(Duration.ofSeconds(5)).until { controller.depth() == 0 }
	}

	@Test
	fun `a prioritized suspend handler timed out by Spring MVC gives its slot back`() {
		val client = HttpClient.newHttpClient()
		val response = client.send(HttpRequest.newBuilder(URI.create("http://localhost:$port/never")).build(),
			HttpResponse.BodyHandlers.ofString())
		assertThat(response.statusCode()).isEqualTo(503)
		await().atMost(Duration.ofSeconds(5)).until { controller.depth() == 0 }
	}

	@Test
	fun `a prioritized suspend handler that fails gives its slot back`() {
		val client = HttpClient.newHttpClient()
		val response = client.send(HttpRequest.newBuilder(URI.create("http://localhost:$port/fail")).build(),
			HttpResponse.BodyHandlers.ofString())
		assertThat(response.statusCode()).isEqualTo(500)
		await().atMost(Duration.ofSeconds(5)).until { controller.depth() == 0 }
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(Handler::class, Inner::class)
	class App

	@RestController
	class Handler(private val tools: Inner) {

		@Prioritized(Priority.CRITICAL)
		@GetMapping("/plan")
		suspend fun plan(): String {
			val first = tools.background()
			val second = withContext(Dispatchers.IO) { tools.backgroundSuspending() }
			val third = withContext(Dispatchers.Default) { tools.background() }
			return "$first $second $third"
		}

		@Prioritized(Priority.CRITICAL)
		@GetMapping("/never")
		suspend fun never(): String = withContext(Dispatchers.IO) { awaitCancellation() }

		@Prioritized(Priority.CRITICAL)
		@GetMapping("/fail")
		suspend fun fail(): String {
			withContext(Dispatchers.IO) { yield() }
			throw IllegalStateException("boom")
		}

	}

}
