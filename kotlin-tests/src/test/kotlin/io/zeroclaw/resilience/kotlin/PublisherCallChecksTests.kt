package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import java.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.reactor.mono
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component
import reactor.core.publisher.Flux
import reactor.core.publisher.Mono

/** Checks of a publisher call's marks: a Mono's, and two subscriptions of one Flux. */
class PublisherCallChecksTests {

	@Test
	fun `a blocking call back from a suspend body started in a half-open mono's subscribe joins the mono's call`() {
		halfOpen { context, outer, breaker ->
			val outcomes = outcomesOf(context, "outer")
			val go = CompletableDeferred<Unit>()
			val seen = outer.monoCallBack(go).toFuture()
			assertThat(seen).isNotDone()
			go.complete(Unit)
			assertThat(seen.get()).isEqualTo("tool")
			assertThat(outcomes).containsExactly("success")
			assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED)
		}
	}

	@Test
	fun `a body of a second subscription of one flux is not ended by the first subscription's cancel`() {
		breakers().withPropertyValues("zeroclaw.resilience.circuit-breaker.recovery-timeout=50ms",
			"zeroclaw.resilience.circuit-breaker.half-open-max-requests=2")
			.withBean("inner", PublisherCallSuspendBodyTests.Inner::class.java)
			.withBean("outer", Outer::class.java).run { context ->
				val outer = context.getBean(Outer::class.java)
				val breaker = breaker(context, "outer")
				breaker.transitionToOpen()
				await().atMost(Duration.ofSeconds(5)).until { breaker.state() == CircuitState.HALF_OPEN }
				val outcomes = outcomesOf(context, "outer")
				val go = CompletableDeferred<Unit>()
				val flux = outer.fluxCallBack(go)
				val first = flux.subscribe()
				val second = flux.collectList().toFuture()
				first.dispose()
				go.complete(Unit)
				assertThat(second.get()).containsExactly("tool")
				assertThat(outcomes).`as`("the second subscription's probe only; the first gave its permission back")
					.containsExactly("ignored", "success")
			}
	}

	private fun halfOpen(check: (ApplicationContext, Outer, io.zeroclaw.resilience.circuitbreaker.CircuitBreaker)
			-> Unit) {
		breakers().withPropertyValues("zeroclaw.resilience.circuit-breaker.recovery-timeout=50ms",
			"zeroclaw.resilience.circuit-breaker.half-open-max-requests=1")
			.withBean("inner", PublisherCallSuspendBodyTests.Inner::class.java)
			.withBean("outer", Outer::class.java).run { context ->
				val breaker = breaker(context, "outer")
				breaker.transitionToOpen()
				await().atMost(Duration.ofSeconds(5)).until { breaker.state() == CircuitState.HALF_OPEN }
				check(context, context.getBean(Outer::class.java), breaker)
			}
	}

	@Component
	class Outer : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		fun monoCallBack(go: CompletableDeferred<Unit>): Mono<String> {
			val inner = context.getBean(PublisherCallSuspendBodyTests.Inner::class.java)
			val self = context.getBean(Outer::class.java)
			return mono(Dispatchers.Unconfined) { inner.tool(go) { self.tool() } }
		}

		fun fluxCallBack(go: CompletableDeferred<Unit>): Flux<String> {
			val inner = context.getBean(PublisherCallSuspendBodyTests.Inner::class.java)
			val self = context.getBean(Outer::class.java)
			return mono(Dispatchers.Unconfined) { inner.tool(go) { self.tool() } }.flux()
		}

		fun tool(): String = "tool"

	}

}
