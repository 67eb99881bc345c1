package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.LoadShedException
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException
import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.assertj.core.api.Assertions.assertThatIllegalStateException
import org.junit.jupiter.api.Test
import org.springframework.stereotype.Component
import org.springframework.stereotype.Service

/**
 * Kotlin coroutines through the starter's proxies: a provider's own `suspend` functions and `Flow`s are guarded by
 * its breaker for the work they do after the call returns, and a `@Prioritized` `suspend` function holds its slot
 * while its body runs. The classes are stereotypes, so the `spring` compiler plugin opens them for the proxies.
 */
class CoroutineCallsTests {

	@Test
	fun `a suspend function that fails after suspending is a failure and opens the breaker`() {
		breakers().withBean("kotlinProvider", CoroutineProvider::class.java).run { context ->
			val provider = context.getBean(CoroutineProvider::class.java)
			val outcomes = outcomesOf(context, "kotlinProvider")
			assertThatIllegalStateException().isThrownBy { runBlocking { provider.chatSuspending("fail") } }
				.withMessage("upstream answered 500")
			assertThat(outcomes).containsExactly("failure")
			assertThat(breaker(context, "kotlinProvider").state()).isEqualTo(CircuitState.OPEN)
			val callsBefore = provider.calls.get()
			assertThatExceptionOfType(CircuitOpenException::class.java)
				.isThrownBy { runBlocking { provider.chatSuspending("hi") } }
			assertThat(provider.calls.get()).isEqualTo(callsBefore)
		}
	}

	@Test
	fun `a suspend function that answers after suspending is a success, once`() {
		breakers().withBean("kotlinProvider", CoroutineProvider::class.java).run { context ->
			val provider = context.getBean(CoroutineProvider::class.java)
			val outcomes = outcomesOf(context, "kotlinProvider")
			assertThat(runBlocking { provider.chatSuspending("hi") }).isEqualTo("echo: hi")
			assertThat(outcomes).containsExactly("success")
			assertThat(provider.calls.get()).isEqualTo(1)
		}
	}

	@Test
	fun `a Flow that fails when collected is a failure and opens the breaker`() {
		breakers().withBean("kotlinProvider", CoroutineProvider::class.java).run { context ->
			val provider = context.getBean(CoroutineProvider::class.java)
			val outcomes = outcomesOf(context, "kotlinProvider")
			val flow = provider.chatFlow("fail")
			assertThat(outcomes).isEmpty()
			assertThatIllegalStateException().isThrownBy { runBlocking { flow.toList() } }
				.withMessage("upstream answered 500")
			assertThat(outcomes).containsExactly("failure")
			assertThat(breaker(context, "kotlinProvider").state()).isEqualTo(CircuitState.OPEN)
			assertThatExceptionOfType(CircuitOpenException::class.java)
				.isThrownBy { runBlocking { provider.chatFlow("hi").toList() } }
		}
	}

	@Test
	fun `each collection of a Flow is one call through the breaker`() {
		breakers().withBean("kotlinProvider", CoroutineProvider::class.java).run { context ->
			val provider = context.getBean(CoroutineProvider::class.java)
			val outcomes = outcomesOf(context, "kotlinProvider")
			val flow = provider.chatFlow("hi")
			assertThat(runBlocking { flow.toList() }).containsExactly("echo", "hi")
			assertThat(runBlocking { flow.toList() }).containsExactly("echo", "hi")
			assertThat(outcomes).containsExactly("success", "success")
		}
	}

	@Test
	fun `a suspend function returning a Flow is guarded while the flow is collected`() {
		breakers().withBean("kotlinProvider", CoroutineProvider::class.java).run { context ->
			val provider = context.getBean(CoroutineProvider::class.java)
			val outcomes = outcomesOf(context, "kotlinProvider")
			assertThatIllegalStateException().isThrownBy { runBlocking { provider.chatSuspendingFlow("fail").toList() } }
				.withMessage("upstream answered 500")
			assertThat(outcomes).containsExactly("failure")
			assertThat(breaker(context, "kotlinProvider").state()).isEqualTo(CircuitState.OPEN)
		}
	}

	@Test
	fun `a Prioritized suspend function holds its slot while its body runs`() {
		backpressure().withBean(CoroutineWorker::class.java).run { context ->
			val worker = context.getBean(CoroutineWorker::class.java)
			val controller = context.getBean(BackpressureController::class.java)
			val started = CompletableDeferred<Unit>()
			val gate = CompletableDeferred<Unit>()
			runBlocking {
				val work = async(Dispatchers.Default) { worker.run(started, gate) }
				started.await()
				val depthWhileRunning = controller.depth()
				gate.complete(Unit)
				assertThat(work.await()).isEqualTo("done")
				assertThat(depthWhileRunning).isEqualTo(1)
			}
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `a Prioritized suspend function gives its slot back when it fails or is cancelled`() {
		backpressure().withBean(CoroutineWorker::class.java).run { context ->
			val worker = context.getBean(CoroutineWorker::class.java)
			val controller = context.getBean(BackpressureController::class.java)
			assertThatIllegalStateException().isThrownBy { runBlocking { worker.failAfterSuspending() } }
			assertThat(controller.depth()).isZero()
			val started = CompletableDeferred<Unit>()
			runBlocking {
				val job = launch(Dispatchers.Default) { worker.run(started, CompletableDeferred()) }
				started.await()
				assertThat(controller.depth()).isEqualTo(1)
				job.cancelAndJoin()
			}
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `a Prioritized suspend function is shed before its body runs when the queue is full for its priority`() {
		backpressure().withBean(CoroutineWorker::class.java).run { context ->
			val worker = context.getBean(CoroutineWorker::class.java)
			val controller = context.getBean(BackpressureController::class.java)
			// BACKGROUND is shed from half of the queue (5 of 10)
			val held = (1..5).map { controller.admit(Priority.CRITICAL) }
			try {
				assertThatExceptionOfType(LoadShedException::class.java)
					.isThrownBy { runBlocking { worker.background() } }
				assertThat(worker.backgroundRuns.get()).isZero()
			}
			finally {
				held.forEach { it.close() }
			}
			assertThat(runBlocking { worker.background() }).isEqualTo("background done")
			assertThat(controller.depth()).isZero()
		}
	}

	/** A Kotlin client with a coroutine API beside the `Provider` methods; "fail" makes the upstream answer 500. */
	@Component
	class CoroutineProvider : Provider {

		val calls = AtomicInteger()

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String, temperature: Double): String =
			"ok"

		suspend fun chatSuspending(message: String): String {
			yield()
			calls.incrementAndGet()
			check(message != "fail") { "upstream answered 500" }
			return "echo: $message"
		}

		fun chatFlow(message: String): Flow<String> = flow {
			calls.incrementAndGet()
			check(message != "fail") { "upstream answered 500" }
			emit("echo")
			emit(message)
		}

		suspend fun chatSuspendingFlow(message: String): Flow<String> {
			yield()
			return chatFlowUnguarded(message)
		}

		private fun chatFlowUnguarded(message: String): Flow<String> = flow {
			check(message != "fail") { "upstream answered 500" }
			emit(message)
		}

	}

	@Service
	class CoroutineWorker {

		val backgroundRuns = AtomicInteger()

		@Prioritized
		suspend fun run(started: CompletableDeferred<Unit>, gate: CompletableDeferred<Unit>): String {
			started.complete(Unit)
			gate.await()
			return "done"
		}

		@Prioritized
		suspend fun failAfterSuspending(): String {
			yield()
			throw IllegalStateException("failed after suspending")
		}

		@Prioritized(Priority.BACKGROUND)
		suspend fun background(): String {
			yield()
			backgroundRuns.incrementAndGet()
			return "background done"
		}

	}

}
