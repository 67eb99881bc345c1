package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration
import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.LoadShedException
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.kotlin.PrioritizedSuspendBodyTests.Inner
import io.zeroclaw.resilience.provider.Provider
import java.time.Duration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.autoconfigure.AutoConfigurations
import org.springframework.boot.test.context.runner.ApplicationContextRunner
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component
import org.springframework.stereotype.Service

/** Nested `suspend` calls under one admission, and a provider both guarded and `@Prioritized`. */
class SuspendBodyNestingTests {

	@Test
	fun `a chain of awaited suspend calls runs under the outermost body's slot`() {
		backpressure().withBean(Inner::class.java).withBean(Mid::class.java).withBean(Outer::class.java)
			.run { context ->
				val controller = context.getBean(BackpressureController::class.java)
				val outer = context.getBean(Outer::class.java)
				assertThat(whileHeld(controller, 6) { runBlocking { outer.chain() } }).containsExactly(7, 7, 7)
				assertThat(controller.depth()).isZero()
			}
	}

	@Test
	fun `an unconfined caller that is not admitted work is not left marked after the body ends`() {
		backpressure().withBean(Inner::class.java).withBean(Mid::class.java).withBean(Outer::class.java)
			.run { context ->
				val controller = context.getBean(BackpressureController::class.java)
				val outer = context.getBean(Outer::class.java)
				assertThatExceptionOfType(LoadShedException::class.java).isThrownBy {
					whileHeld(controller, 6) {
						runBlocking { withContext(Dispatchers.Unconfined) {
							outer.hop()
							outer.inner.background()
						} }
					}
				}
				assertThat(controller.depth()).isZero()
			}
	}

	@Test
	fun `a prioritized suspend provider call calling back into its own blocking method is neither shed nor refused`() {
		ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration::class.java,
				CircuitBreakerAutoConfiguration::class.java, BackpressureAutoConfiguration::class.java))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=50ms",
				"zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10")
			.withBean("both", BothProvider::class.java).run { context ->
				val controller = context.getBean(BackpressureController::class.java)
				val provider = context.getBean(BothProvider::class.java)
				val breaker = breaker(context, "both")
				breaker.transitionToOpen()
				await().atMost(Duration.ofSeconds(5)).until { breaker.state() == CircuitState.HALF_OPEN }
				assertThat(whileHeld(controller, 6) { runBlocking { provider.plan("x") } }).isEqualTo("plan: tool x 7")
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED)
				assertThat(controller.depth()).isZero()
			}
	}

	@Component
	class BothProvider(private val controller: BackpressureController) : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		@Prioritized(Priority.CRITICAL)
		suspend fun plan(query: String): String {
			withContext(Dispatchers.IO) { yield() }
			return "plan: " + context.getBean(BothProvider::class.java).toolBlocking(query)
		}

		@Prioritized(Priority.BACKGROUND)
		fun toolBlocking(query: String): String = "tool $query ${controller.depth()}"

	}

	@Service
	class Mid(val inner: Inner) {

		@Prioritized(Priority.BACKGROUND)
		suspend fun mid(): List<Int> = coroutineScope {
			val a = withContext(Dispatchers.IO) { inner.backgroundSuspending() }
			val b = async(Dispatchers.Default) { inner.background() }.await()
			listOf(a, b)
		}

	}

	@Service
	class Outer(val inner: Inner, val mid: Mid) {

		@Prioritized(Priority.CRITICAL)
		suspend fun chain(): List<Int> {
			val first = mid.mid()
			return first + inner.background()
		}

		@Prioritized(Priority.CRITICAL)
		suspend fun hop() {
			withContext(Dispatchers.IO) { yield() }
		}

	}

}
