package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import java.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.reactive.awaitSingle
import kotlinx.coroutines.reactor.mono
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component
import reactor.core.publisher.Flux
import reactor.core.publisher.Mono

/**
 * A `suspend` body started by a guarded provider's `Flux` (in its subscribe, or while the method makes it) is part of
 * that call until the call ends, after the provider's method has returned: a blocking call back into the provider
 * from there runs under the call's permission, as a reactive one does.
 */
class PublisherCallSuspendBodyTests {

	@Test
	fun `a blocking call back from a suspend body started in a half-open flux's subscribe joins the flux's call`() {
		halfOpenOuter { outer, go -> outer.blockingCallBack(go) }
	}

	@Test
	fun `a reactive call back from a suspend body started in a half-open flux's subscribe joins the flux's call`() {
		halfOpenOuter { outer, go -> outer.reactiveCallBack(go) }
	}

	@Test
	fun `a blocking call back from a suspend body started while a half-open flux is made joins the flux's call`() {
		halfOpenOuter { outer, go -> outer.eagerCallBack(go) }
	}

	private fun halfOpenOuter(call: (Outer, CompletableDeferred<Unit>) -> Flux<String>) {
		breakers().withPropertyValues("zeroclaw.resilience.circuit-breaker.recovery-timeout=50ms",
			"zeroclaw.resilience.circuit-breaker.half-open-max-requests=1")
			.withBean("inner", Inner::class.java).withBean("outer", Outer::class.java).run { context ->
				val outer = context.getBean(Outer::class.java)
				val breaker = breaker(context, "outer")
				breaker.transitionToOpen()
				await().atMost(Duration.ofSeconds(5)).until { breaker.state() == CircuitState.HALF_OPEN }
				val outcomes = outcomesOf(context, "outer")
				val go = CompletableDeferred<Unit>()
				val seen = call(outer, go).collectList().toFuture()
				// the outer flux's subscribe has returned; the inner body waits, then calls the outer provider back
				assertThat(seen).isNotDone()
				go.complete(Unit)
				assertThat(seen.get()).containsExactly("tool")
				assertThat(outcomes).`as`("the flux's probe, its call back part of it").containsExactly("success")
				assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED)
			}
	}

	@Component
	class Outer : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		/** The model's stream runs a tool (another provider's suspend function), which asks the model again. */
		fun blockingCallBack(go: CompletableDeferred<Unit>): Flux<String> {
			val inner = context.getBean(Inner::class.java)
			val self = context.getBean(Outer::class.java)
			return mono(Dispatchers.Unconfined) { inner.tool(go) { self.tool() } }.flux()
		}

		fun reactiveCallBack(go: CompletableDeferred<Unit>): Flux<String> {
			val inner = context.getBean(Inner::class.java)
			val self = context.getBean(Outer::class.java)
			return mono(Dispatchers.Unconfined) { inner.tool(go) { self.toolMono().awaitSingle() } }.flux()
		}

		/** The tool starts (unconfined, so on this thread) while the flux is made, before it is subscribed to. */
		fun eagerCallBack(go: CompletableDeferred<Unit>): Flux<String> {
			val inner = context.getBean(Inner::class.java)
			val self = context.getBean(Outer::class.java)
			val tool = CoroutineScope(Dispatchers.Unconfined).async { inner.tool(go) { self.tool() } }
			return mono(Dispatchers.Unconfined) { tool.await() }.flux()
		}

		fun tool(): String = "tool"

		fun toolMono(): Mono<String> = Mono.just("tool")

	}

	@Component
	class Inner : Provider {

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun tool(go: CompletableDeferred<Unit>, callBack: suspend () -> String): String {
			go.await()
			return callBack()
		}

	}

}
