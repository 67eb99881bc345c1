package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import java.time.Duration
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component
import org.springframework.stereotype.Service

/**
 * The marks a `suspend` function's body carries wherever it resumes, for its breaker's permission and its admission,
 * across nested calls, unconfined callers and coroutines of a scope of their own.
 */
class SuspendBodyMarkTests {

	@Test
	fun `a half-open suspend call awaiting its own suspend tool, then its blocking one, closes the breaker`() {
		halfOpenSelfCall { provider -> runBlocking { provider.planTwice("x") } }
	}

	@Test
	fun `the same on an unconfined caller, as a web handler's coroutine is`() {
		halfOpenSelfCall { provider ->
			runBlocking { withContext(Dispatchers.Unconfined) { provider.planTwice("x") } }
		}
	}

	@Test
	fun `the same when the body is unconfined and the tool hops`() {
		halfOpenSelfCall { provider ->
			runBlocking { withContext(Dispatchers.Unconfined) { provider.planTwiceHopping("x") } }
		}
	}

	@Test
	fun `a body that awaits a call of a scope of its own still holds its slot for a synchronous call after`() {
		backpressure().withBean(Inner::class.java).withBean(Outer::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val outer = context.getBean(Outer::class.java)
			assertThat(whileHeld(controller, 6) { runBlocking { outer.ownScopeThenSynchronous() } }).isEqualTo(7)
		}
	}

	@Test
	fun `a body that awaits a call of a scope of its own still holds its slot, on an unconfined caller`() {
		backpressure().withBean(Inner::class.java).withBean(Outer::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val outer = context.getBean(Outer::class.java)
			assertThat(whileHeld(controller, 6) {
				runBlocking { withContext(Dispatchers.Unconfined) { outer.ownScopeThenSynchronous() } }
			}).isEqualTo(7)
		}
	}

	private fun halfOpenSelfCall(plan: (TwiceCallingProvider) -> String) {
		breakers().withPropertyValues("zeroclaw.resilience.circuit-breaker.recovery-timeout=50ms")
			.withBean("twice", TwiceCallingProvider::class.java).run { context ->
				val provider = context.getBean(TwiceCallingProvider::class.java)
				val breaker = breaker(context, "twice")
				breaker.transitionToOpen()
				await().atMost(Duration.ofSeconds(5)).until { breaker.state() == CircuitState.HALF_OPEN }
				assertThat(plan(provider)).isEqualTo("plan: tool x, tool x")
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED)
			}
	}

	@Component
	class TwiceCallingProvider : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun planTwice(query: String): String {
			yield()
			val self = context.getBean(TwiceCallingProvider::class.java)
			val first = self.tool(query)
			return "plan: $first, " + self.toolBlocking(query)
		}

		suspend fun planTwiceHopping(query: String): String {
			val self = context.getBean(TwiceCallingProvider::class.java)
			val first = self.toolHopping(query)
			return "plan: $first, " + self.toolBlocking(query)
		}

		suspend fun tool(query: String): String {
			yield()
			return "tool $query"
		}

		suspend fun toolHopping(query: String): String = withContext(Dispatchers.IO) { "tool $query" }

		fun toolBlocking(query: String): String = "tool $query"

	}

	@Service
	class Inner(private val controller: BackpressureController) {

		@Prioritized(Priority.BACKGROUND)
		fun background(): Int = this.controller.depth()

		@Prioritized(Priority.CRITICAL)
		suspend fun criticalSuspending(): Int {
			yield()
			return this.controller.depth()
		}

	}

	@Service
	class Outer(val inner: Inner) {

		@OptIn(DelicateCoroutinesApi::class)
		@Prioritized(Priority.CRITICAL)
		suspend fun ownScopeThenSynchronous(): Int {
			GlobalScope.async(Dispatchers.Unconfined) { inner.criticalSuspending() }.await()
			return inner.background()
		}

	}

}
