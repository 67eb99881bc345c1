package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException
import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.assertj.core.api.Assertions.assertThatIllegalStateException
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component

/** A half-open breaker's probe, and the outcomes counted, around `suspend` functions and `Flow`s. */
class CoroutineBreakerProbeTests {

	private val runner = breakers().withPropertyValues("zeroclaw.resilience.circuit-breaker.recovery-timeout=50ms")
		.withBean("probed", ProbedProvider::class.java)

	@Test
	fun `a caller's withTimeout around a half-open suspend call gives the probe back`() {
		runner.run { context ->
			val provider = context.getBean(ProbedProvider::class.java)
			halfOpen(context)
			val outcomes = outcomesOf(context, "probed")
			assertThatExceptionOfType(TimeoutCancellationException::class.java)
				.isThrownBy { runBlocking { withTimeout(50) { provider.hang(CompletableDeferred()) } } }
			assertThat(outcomes).containsExactly("ignored")
			assertThat(runBlocking { provider.answerOnIo("hi") }).isEqualTo("echo: hi")
			assertThat(breaker(context, "probed").state()).isEqualTo(CircuitState.CLOSED)
		}
	}

	@Test
	fun `a cancelled scope gives a half-open suspend call's probe back`() {
		runner.run { context ->
			val provider = context.getBean(ProbedProvider::class.java)
			halfOpen(context)
			val outcomes = outcomesOf(context, "probed")
			runBlocking {
				val started = CompletableDeferred<Unit>()
				val job = launch(Dispatchers.Default) { provider.hang(started) }
				started.await()
				job.cancelAndJoin()
			}
			await().until { outcomes == listOf("ignored") }
			assertThat(runBlocking { provider.answerOnIo("hi") }).isEqualTo("echo: hi")
			assertThat(outcomes).containsExactly("ignored", "success")
		}
	}

	@Test
	fun `a suspend body that throws after resuming on another dispatcher is one failure`() {
		runner.run { context ->
			val provider = context.getBean(ProbedProvider::class.java)
			val outcomes = outcomesOf(context, "probed")
			assertThatIllegalStateException().isThrownBy { runBlocking { provider.answerOnIo("fail") } }
				.withMessage("upstream answered 500")
			assertThat(outcomes).containsExactly("failure")
			assertThat(breaker(context, "probed").state()).isEqualTo(CircuitState.OPEN)
		}
	}

	@Test
	fun `a Flow stopped early by take or first is one success per collection`() {
		runner.run { context ->
			val provider = context.getBean(ProbedProvider::class.java)
			val outcomes = outcomesOf(context, "probed")
			assertThat(runBlocking { provider.chatFlow().take(1).toList() }).containsExactly("a")
			assertThat(runBlocking { provider.chatFlow().first() }).isEqualTo("a")
			assertThat(runBlocking { provider.chatSuspendingFlow().first() }).isEqualTo("x")
			assertThat(outcomes).containsExactly("success", "success", "success")
		}
	}

	@Test
	fun `a Flow whose collector gives up before a first element gives the half-open probe back`() {
		runner.run { context ->
			val provider = context.getBean(ProbedProvider::class.java)
			halfOpen(context)
			val outcomes = outcomesOf(context, "probed")
			assertThatExceptionOfType(TimeoutCancellationException::class.java)
				.isThrownBy { runBlocking { withTimeout(50) { provider.hangingFlow().first() } } }
			assertThat(outcomes).containsExactly("ignored")
			assertThat(runBlocking { provider.chatFlow().toList() }).containsExactly("a", "b")
			assertThat(breaker(context, "probed").state()).isEqualTo(CircuitState.CLOSED)
		}
	}

	@Test
	fun `each collection of the Flow a suspend function returns is one call`() {
		runner.run { context ->
			val provider = context.getBean(ProbedProvider::class.java)
			val outcomes = outcomesOf(context, "probed")
			val flow = runBlocking { provider.chatSuspendingFlow() }
			assertThat(runBlocking { flow.toList() }).containsExactly("x", "y")
			assertThat(runBlocking { flow.toList() }).containsExactly("x", "y")
			assertThat(outcomes).containsExactly("success", "success")
		}
	}

	@Test
	fun `an open breaker refuses a suspend call and a Flow with CircuitOpenException`() {
		// the default recovery timeout: with the class's 50 ms, a slow machine could see the breaker half-open already
		breakers().withBean("probed", ProbedProvider::class.java).run { context ->
			val provider = context.getBean(ProbedProvider::class.java)
			breaker(context, "probed").transitionToOpen()
			assertThatExceptionOfType(CircuitOpenException::class.java)
				.isThrownBy { runBlocking { provider.answerOnIo("hi") } }
			assertThatExceptionOfType(CircuitOpenException::class.java)
				.isThrownBy { runBlocking { provider.chatFlow().first() } }
			assertThatExceptionOfType(CircuitOpenException::class.java)
				.isThrownBy { runBlocking { provider.chatSuspendingFlow().first() } }
			assertThat(provider.calls.get()).isZero()
		}
	}

	@Test
	fun `a suspend function answering Unit or null is a success`() {
		runner.run { context ->
			val provider = context.getBean(ProbedProvider::class.java)
			val outcomes = outcomesOf(context, "probed")
			runBlocking { provider.notify("hi") }
			assertThat(runBlocking { provider.lookup("missing") }).isNull()
			assertThat(outcomes).containsExactly("success", "success")
		}
	}

	/** A call back into the provider from a suspend body is part of the call, as it is from a synchronous one. */
	@Test
	fun `a half-open suspend call that calls back into its own provider closes the breaker`() {
		assertSelfCallClosesAHalfOpenBreaker { provider -> runBlocking { provider.plan("x") } }
	}

	@Test
	fun `a half-open synchronous call that calls back into its own provider closes the breaker`() {
		assertSelfCallClosesAHalfOpenBreaker { provider -> provider.planBlocking("x") }
	}

	/** The README: a call back from a suspend body is part of the call "as from a synchronous one", whatever it is. */
	@Test
	fun `a half-open suspend call that calls back into its own provider's blocking method closes the breaker`() {
		assertSelfCallClosesAHalfOpenBreaker { provider -> runBlocking { provider.planWithBlockingTool("x") } }
	}

	/** The body's mark ends with the call: a blocking call the caller makes next is asked of the breaker. */
	@Test
	fun `a blocking call the caller makes after a suspend call has ended is counted, on an unconfined caller too`() {
		breakers().withBean("selfCalling", SelfCallingProvider::class.java).run { context ->
			val provider = context.getBean(SelfCallingProvider::class.java)
			val breaker = breaker(context, "selfCalling")
			runBlocking {
				withContext(Dispatchers.Unconfined) {
					assertThat(provider.planWithBlockingTool("x")).isEqualTo("plan: tool x")
					assertThatIllegalStateException().isThrownBy { provider.failBlocking() }
				}
			}
			assertThat(breaker.state()).`as`("opened by the one failure counted").isEqualTo(CircuitState.OPEN)
		}
	}

	private fun assertSelfCallClosesAHalfOpenBreaker(plan: (SelfCallingProvider) -> String) {
		breakers().withPropertyValues("zeroclaw.resilience.circuit-breaker.recovery-timeout=50ms")
			.withBean("selfCalling", SelfCallingProvider::class.java).run { context ->
				val provider = context.getBean(SelfCallingProvider::class.java)
				val breaker = breaker(context, "selfCalling")
				breaker.transitionToOpen()
				await().atMost(Duration.ofSeconds(5)).until { breaker.state() == CircuitState.HALF_OPEN }
				assertThat(plan(provider)).isEqualTo("plan: tool x")
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED)
			}
	}

	private fun halfOpen(context: ApplicationContext): CircuitBreaker {
		val breaker = breaker(context, "probed")
		breaker.transitionToOpen()
		await().atMost(Duration.ofSeconds(5)).until { breaker.state() == CircuitState.HALF_OPEN }
		return breaker
	}

	@Component
	class ProbedProvider : Provider {

		val calls = AtomicInteger()

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun hang(started: CompletableDeferred<Unit>): String {
			calls.incrementAndGet()
			started.complete(Unit)
			awaitCancellation()
		}

		suspend fun answerOnIo(message: String): String = withContext(Dispatchers.IO) {
			yield()
			calls.incrementAndGet()
			check(message != "fail") { "upstream answered 500" }
			"echo: $message"
		}

		fun chatFlow(): Flow<String> = flow {
			calls.incrementAndGet()
			emit("a")
			emit("b")
		}

		fun hangingFlow(): Flow<String> = flow {
			calls.incrementAndGet()
			awaitCancellation()
		}

		suspend fun chatSuspendingFlow(): Flow<String> {
			yield()
			return flow {
				calls.incrementAndGet()
				emit("x")
				emit("y")
			}
		}

		suspend fun notify(message: String) {
			yield()
			calls.incrementAndGet()
		}

		suspend fun lookup(key: String): String? {
			yield()
			calls.incrementAndGet()
			return null
		}

	}

	/** A client whose planning call asks its own tool call through the proxy, as a model running a tool does. */
	@Component
	class SelfCallingProvider : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun plan(query: String): String {
			yield()
			return "plan: " + context.getBean(SelfCallingProvider::class.java).tool(query)
		}

		suspend fun tool(query: String): String {
			yield()
			return "tool $query"
		}

		suspend fun planWithBlockingTool(query: String): String {
			yield()
			return "plan: " + context.getBean(SelfCallingProvider::class.java).toolBlocking(query)
		}

		fun planBlocking(query: String): String =
			"plan: " + context.getBean(SelfCallingProvider::class.java).toolBlocking(query)

		fun toolBlocking(query: String): String = "tool $query"

		fun failBlocking(): String = throw IllegalStateException("upstream answered 500")

	}

}
