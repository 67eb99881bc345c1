package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import java.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component

/**
 * The marks a guarded `suspend` function's body carries, against the calls it was made inside of and the `Flow` a
 * `suspend` function answers.
 */
class SuspendOuterCallAndFlowTests {

	/**
	 * A synchronous call of beta starts a coroutine (unconfined, so it begins on beta's thread) that calls alpha's
	 * suspend function and returns. Alpha's body, carrying a mark whose outer frame is beta's call, goes on after
	 * beta's call has ended, and calls beta back: that call is not part of beta's ended call and must be counted.
	 */
	@Test
	fun `a blocking call back into an outer breaker from a body that outlived the outer call is counted`() {
		breakers().withBean("alpha", Alpha::class.java).withBean("beta", Beta::class.java).run { context ->
			val beta = context.getBean(Beta::class.java)
			val outcomes = outcomesOf(context, "beta")
			val go = CompletableDeferred<Unit>()
			val outcome = CompletableDeferred<Throwable?>()
			assertThat(beta.startAlpha(go, outcome)).isEqualTo("started")
			runBlocking {
				go.complete(Unit)
				assertThat(outcome.await()).isInstanceOf(IllegalStateException::class.java)
			}
			assertThat(outcomes).`as`("beta's call, then the call back after it").containsExactly("success", "failure")
			assertThat(breaker(context, "beta").state()).isEqualTo(CircuitState.OPEN)
		}
	}

	@Test
	fun `a blocking call an unconfined collector makes between the elements of a suspend flow is counted`() {
		collectorCallsBack { provider, gate -> runBlocking { withContext(Dispatchers.Unconfined) {
			provider.chunksGated(gate).collect { chunk ->
				if (chunk == "a") {
					runCatching { provider.failBlocking() }
					gate.complete(Unit)
				}
			}
		} } }
	}

	@Test
	fun `a blocking call a dispatched collector makes between the elements of a suspend flow is counted`() {
		collectorCallsBack { provider, gate -> runBlocking {
			provider.chunksGated(gate).collect { chunk ->
				if (chunk == "a") {
					runCatching { provider.failBlocking() }
					gate.complete(Unit)
				}
			}
		} }
	}

	private fun collectorCallsBack(collect: (FlowingProvider, CompletableDeferred<Unit>) -> Unit) {
		breakers().withBean("flowing", FlowingProvider::class.java).run { context ->
			val provider = context.getBean(FlowingProvider::class.java)
			val outcomes = outcomesOf(context, "flowing")
			collect(provider, CompletableDeferred())
			assertThat(outcomes).`as`("the collector's own call, while the flow is in progress").startsWith("failure")
		}
	}

	/** The flow's own code calling the provider back blocking, on the subscribing thread: part of the call. */
	@Test
	fun `a half-open suspend flow whose producer calls its provider back closes the breaker`() {
		breakers().withPropertyValues("zeroclaw.resilience.circuit-breaker.recovery-timeout=50ms")
			.withBean("flowing", FlowingProvider::class.java).run { context ->
				val provider = context.getBean(FlowingProvider::class.java)
				val breaker = breaker(context, "flowing")
				breaker.transitionToOpen()
				await().atMost(Duration.ofSeconds(5))
					.until { breaker.state() == CircuitState.HALF_OPEN }
				val seen = runBlocking {
					val all = ArrayList<String>()
					provider.chunksCallingBack().collect { all.add(it) }
					all
				}
				assertThat(seen).containsExactly("a", "tool", "b")
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED)
			}
	}

	@Component
	class Alpha : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun waitThenCallBeta(go: CompletableDeferred<Unit>): String {
			go.await()
			return context.getBean(Beta::class.java).failBlocking()
		}

	}

	@Component
	class Beta : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		fun startAlpha(go: CompletableDeferred<Unit>, outcome: CompletableDeferred<Throwable?>): String {
			val alpha = context.getBean(Alpha::class.java)
			CoroutineScope(Dispatchers.Unconfined).launch {
				outcome.complete(runCatching { alpha.waitThenCallBeta(go) }.exceptionOrNull())
			}
			return "started"
		}

		fun failBlocking(): String = throw IllegalStateException("upstream answered 500")

	}

	@Component
	class FlowingProvider : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun chunks(): Flow<String> {
			yield()
			return flow {
				emit("a")
				emit("b")
			}
		}

		suspend fun chunksGated(gate: CompletableDeferred<Unit>): Flow<String> {
			yield()
			return flow {
				emit("a")
				gate.await()
				emit("b")
			}
		}

		suspend fun chunksCallingBack(): Flow<String> {
			yield()
			val self = context.getBean(FlowingProvider::class.java)
			return flow {
				emit("a")
				emit(self.tool())
				emit("b")
			}
		}

		fun tool(): String = "tool"

		fun failBlocking(): String = throw IllegalStateException("upstream answered 500")

	}

}
