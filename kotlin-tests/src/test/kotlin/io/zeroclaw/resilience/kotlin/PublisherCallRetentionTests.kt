package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.provider.Provider
import java.lang.ref.WeakReference
import java.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.launch
import kotlinx.coroutines.reactor.mono
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.ApplicationContext
import org.springframework.stereotype.Component
import reactor.core.publisher.Flux

/**
 * A coroutine left behind by a `suspend` body made in the subscribe of another provider's `Flux` keeps neither
 * call's caller reachable once both calls have ended.
 */
class PublisherCallRetentionTests {

	@Test
	fun `a coroutine left behind by a body made in a flux's subscribe does not keep the flux's subscriber reachable`() {
		breakers().withBean("inner", Leaving::class.java).withBean("outer", Streaming::class.java).run { context ->
			val outer = context.getBean(Streaming::class.java)
			val gate = CompletableDeferred<Unit>()
			try {
				val callerState = consumeKeeping(outer, gate)
				await().atMost(Duration.ofSeconds(10)).until {
					System.gc()
					callerState.get() == null
				}
			}
			finally {
				gate.complete(Unit)
			}
		}
	}

	/** Reads the flux with a subscriber holding a large buffer, as a caller's request would be. */
	private fun consumeKeeping(outer: Streaming, gate: CompletableDeferred<Unit>): WeakReference<ByteArray> {
		val buffer = ByteArray(8 shl 20)
		val state = WeakReference(buffer)
		val seen = outer.stream(gate).map { "$it ${buffer.size}" }.collectList().block()
		assertThat(seen).containsExactly("ok ${8 shl 20}")
		return state
	}

	@Component
	class Streaming : Provider {

		@Autowired
		lateinit var context: ApplicationContext

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		fun stream(gate: CompletableDeferred<Unit>): Flux<String> {
			val inner = context.getBean(Leaving::class.java)
			return mono(Dispatchers.Unconfined) { inner.leaveWaiting(gate) }.flux()
		}

	}

	@Component
	class Leaving : Provider {

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun leaveWaiting(gate: CompletableDeferred<Unit>): String {
			CoroutineScope(currentCoroutineContext() + SupervisorJob()).launch(Dispatchers.IO) { gate.await() }
			return "ok"
		}

	}

}
