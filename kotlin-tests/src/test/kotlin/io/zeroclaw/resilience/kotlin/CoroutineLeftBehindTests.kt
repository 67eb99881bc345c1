package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component

/**
 * A coroutine a guarded `suspend` function's body leaves running after the call has ended (started in a scope of its
 * own that inherited the body's context) is not part of the call: its calls, and the calls of their bodies, are
 * asked of the breaker and counted.
 */
class CoroutineLeftBehindTests {

	@Test
	fun `a blocking call from a coroutine the body left behind is counted once the call has ended`() {
		assertThat(leaveBehindAFailingCall(LeavingProvider::leaveBehindBlocking))
			.`as`("the call, then the left-behind call's failure").containsExactly("success", "failure")
	}

	@Test
	fun `a suspend call from a coroutine the body left behind is counted once the call has ended`() {
		assertThat(leaveBehindAFailingCall(LeavingProvider::leaveBehind))
			.`as`("the call, then the left-behind call's failure").containsExactly("success", "failure")
	}

	@Test
	fun `a blocking call from the body of a suspend call a left-behind coroutine made is counted`() {
		leaveBehindAFailingCall(LeavingProvider::leaveBehindBlockingInside)
	}

	/** Joined while the call was live, the left-behind coroutine's suspend call goes on after the call has ended. */
	@Test
	fun `a blocking call from a suspend call that a left-behind coroutine began during the call is counted after it`() {
		leaveBehindAFailingCall(LeavingProvider::leaveBehindStarted)
	}

	/**
	 * Makes a call that leaves a coroutine behind, lets that coroutine make its failing call once the call has ended,
	 * and checks that the failure opened the breaker (the failure threshold is 1).
	 * @return the outcomes the breaker recorded
	 */
	private fun leaveBehindAFailingCall(
		leave: suspend LeavingProvider.(CompletableDeferred<Unit>, CompletableDeferred<Throwable?>) -> Unit
	): List<String> {
		var recorded: List<String> = emptyList()
		breakers().withBean("leaving", LeavingProvider::class.java).run { context ->
			val provider = context.getBean(LeavingProvider::class.java)
			val outcomes = outcomesOf(context, "leaving")
			val go = CompletableDeferred<Unit>()
			val outcome = CompletableDeferred<Throwable?>()
			runBlocking {
				provider.leave(go, outcome)
				go.complete(Unit)
				assertThat(outcome.await()).isInstanceOf(IllegalStateException::class.java)
			}
			assertThat(breaker(context, "leaving").state()).`as`("opened by the one failure counted")
				.isEqualTo(CircuitState.OPEN)
			recorded = outcomes.toList()
		}
		return recorded
	}

	@Component
	class LeavingProvider : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun failSuspending(): String {
			yield()
			throw IllegalStateException("upstream answered 500")
		}

		suspend fun failBlockingInside(): String {
			yield()
			return context.getBean(LeavingProvider::class.java).failBlocking()
		}

		suspend fun waitThenFailBlocking(started: CompletableDeferred<Unit>, go: CompletableDeferred<Unit>): String {
			started.complete(Unit)
			go.await()
			return context.getBean(LeavingProvider::class.java).failBlocking()
		}

		/** Returns once the left-behind coroutine's own call has begun, while this call was still in progress. */
		suspend fun leaveBehindStarted(go: CompletableDeferred<Unit>, outcome: CompletableDeferred<Throwable?>) {
			val self = context.getBean(LeavingProvider::class.java)
			val started = CompletableDeferred<Unit>()
			CoroutineScope(currentCoroutineContext() + SupervisorJob()).launch(Dispatchers.IO) {
				outcome.complete(runCatching { self.waitThenFailBlocking(started, go) }.exceptionOrNull())
			}
			started.await()
		}

		fun failBlocking(): String = throw IllegalStateException("upstream answered 500")

		suspend fun leaveBehindBlocking(go: CompletableDeferred<Unit>, outcome: CompletableDeferred<Throwable?>) {
			val self = context.getBean(LeavingProvider::class.java)
			CoroutineScope(currentCoroutineContext() + SupervisorJob()).launch(Dispatchers.IO) {
				go.await()
				outcome.complete(runCatching { self.failBlocking() }.exceptionOrNull())
			}
		}

		suspend fun leaveBehind(go: CompletableDeferred<Unit>, outcome: CompletableDeferred<Throwable?>) {
			val self = context.getBean(LeavingProvider::class.java)
			CoroutineScope(currentCoroutineContext() + SupervisorJob()).launch(Dispatchers.IO) {
				go.await()
				outcome.complete(runCatching { self.failSuspending() }.exceptionOrNull())
			}
		}

		suspend fun leaveBehindBlockingInside(go: CompletableDeferred<Unit>,
			outcome: CompletableDeferred<Throwable?>) {
			val self = context.getBean(LeavingProvider::class.java)
			CoroutineScope(currentCoroutineContext() + SupervisorJob()).launch(Dispatchers.IO) {
				go.await()
				outcome.complete(runCatching { self.failBlockingInside() }.exceptionOrNull())
			}
		}

	}

}
