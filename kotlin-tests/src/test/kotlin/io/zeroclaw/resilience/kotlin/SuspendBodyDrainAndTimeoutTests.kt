package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration
import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException
import io.zeroclaw.resilience.provider.Provider
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.junit.jupiter.api.Test
import org.springframework.boot.autoconfigure.AutoConfigurations
import org.springframework.boot.test.context.runner.ApplicationContextRunner
import org.springframework.stereotype.Component
import org.springframework.stereotype.Service

/**
 * The body of a held `suspend` function while the controller drains for shutdown, under a `withTimeout`, with a
 * priority taken from an argument, and guarded by a breaker as well: its nested calls run under its slot.
 */
class SuspendBodyDrainAndTimeoutTests {

	@Test
	fun `nested calls of a held suspend body are let through while the controller drains`() {
		backpressure().withBean(Nested::class.java).withBean(Held::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val held = context.getBean(Held::class.java)
			try {
				assertThat(runBlocking { held.drainThenNest() }).containsExactly(1, 1, 1)
			}
			finally {
				controller.resumeAccepting()
			}
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `a suspend function's priority argument decides its admission and its body still holds the slot`() {
		backpressure().withBean(Nested::class.java).withBean(Held::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val held = context.getBean(Held::class.java)
			assertThat(whileHeld(controller, 6) { runBlocking { held.at(Priority.CRITICAL) } }).isEqualTo(7)
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `a nested held call cancelled by withTimeout leaves the body under its slot`() {
		backpressure().withBean(Nested::class.java).withBean(Held::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val held = context.getBean(Held::class.java)
			assertThat(whileHeld(controller, 6) { runBlocking { held.timeOutNested() } }).isEqualTo(7)
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `an outer call cancelled by withTimeout gives its slot back`() {
		backpressure().withBean(Nested::class.java).withBean(Held::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val held = context.getBean(Held::class.java)
			assertThatExceptionOfType(TimeoutCancellationException::class.java).isThrownBy {
				runBlocking { withTimeout(50) { held.forever() } }
			}
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `a prioritized suspend provider call refused by its open breaker gives its slot back`() {
		ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration::class.java,
				CircuitBreakerAutoConfiguration::class.java, BackpressureAutoConfiguration::class.java))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=1",
				"zeroclaw.resilience.circuit-breaker.recovery-timeout=1h",
				"zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10")
			.withBean("both", BothProvider::class.java).run { context ->
				val controller = context.getBean(BackpressureController::class.java)
				val provider = context.getBean(BothProvider::class.java)
				breaker(context, "both").transitionToOpen()
				assertThatExceptionOfType(CircuitOpenException::class.java).isThrownBy {
					runBlocking { provider.plan() }
				}
				assertThat(controller.depth()).isZero()
			}
	}

	@Component
	class BothProvider : Provider {

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		@Prioritized(Priority.CRITICAL)
		suspend fun plan(): String {
			yield()
			return "plan"
		}

	}

	@Service
	class Nested(private val controller: BackpressureController) {

		@Prioritized(Priority.BACKGROUND)
		fun background(): Int = this.controller.depth()

		@Prioritized(Priority.BACKGROUND)
		suspend fun backgroundSuspending(): Int {
			yield()
			return this.controller.depth()
		}

		@Prioritized(Priority.BACKGROUND)
		suspend fun never(): Int = awaitCancellation()

	}

	@Service
	class Held(private val nested: Nested, private val controller: BackpressureController) {

		@Prioritized(Priority.CRITICAL)
		suspend fun drainThenNest(): List<Int> {
			controller.stopAccepting()
			val first = nested.background()
			val second = withContext(Dispatchers.IO) { nested.backgroundSuspending() }
			val third = withContext(Dispatchers.Default) { nested.background() }
			return listOf(first, second, third)
		}

		@Prioritized(Priority.BACKGROUND)
		suspend fun at(priority: Priority): Int = withContext(Dispatchers.IO) { nested.background() }

		@Prioritized(Priority.CRITICAL)
		suspend fun timeOutNested(): Int {
			try {
				withTimeout(20) { nested.never() }
			}
			catch (ex: CancellationException) {
				// timed out, as meant
			}
			return withContext(Dispatchers.IO) { nested.backgroundSuspending() }
		}

		@Prioritized(Priority.BACKGROUND)
		suspend fun forever(): Int = awaitCancellation()

	}

}
