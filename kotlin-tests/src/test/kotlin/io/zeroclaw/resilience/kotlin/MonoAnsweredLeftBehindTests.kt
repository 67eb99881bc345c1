package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.future.asCompletableFuture
import kotlinx.coroutines.launch
import kotlinx.coroutines.reactor.mono
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component
import reactor.core.publisher.Mono

/**
 * A guarded `Mono` has answered (and its outcome is counted) when its value arrives: a coroutine its body left behind
 * that calls the provider while the caller is still handling that value is not part of the call.
 */
class MonoAnsweredLeftBehindTests {

	@Test
	fun `a suspend call a left-behind coroutine makes while the caller handles a mono's value is counted`() {
		breakers().withBean("leaving", Leaving::class.java).run { context ->
			val provider = context.getBean(Leaving::class.java)
			val outcomes = outcomesOf(context, "leaving")
			val go = CompletableDeferred<Unit>()
			val outcome = CompletableDeferred<Throwable?>()
			val seen = provider.answer(go, outcome).map { value ->
				// the caller's code, handed the answer: the coroutine left behind makes its failing call meanwhile
				go.complete(Unit)
				assertThat(outcome.asCompletableFuture().get(10, TimeUnit.SECONDS))
					.isInstanceOf(IllegalStateException::class.java)
				value
			}.block()
			assertThat(seen).isEqualTo("ok")
			assertThat(outcomes).`as`("the mono's success, then the left-behind call's failure")
				.containsExactly("success", "failure")
			assertThat(breaker(context, "leaving").state()).isEqualTo(CircuitState.OPEN)
		}
	}

	@Component
	class Leaving : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun failSuspending(): String {
			yield()
			throw IllegalStateException("upstream answered 500")
		}

		fun answer(go: CompletableDeferred<Unit>, outcome: CompletableDeferred<Throwable?>): Mono<String> {
			val self = context.getBean(Leaving::class.java)
			return mono(Dispatchers.Unconfined) {
				CoroutineScope(currentCoroutineContext() + SupervisorJob()).launch(Dispatchers.IO) {
					go.await()
					outcome.complete(runCatching { self.failSuspending() }.exceptionOrNull())
				}
				"ok"
			}
		}

	}

}
