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
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.springframework.stereotype.Component

/** What a coroutine a guarded `suspend` function's body leaves behind keeps reachable once the call has ended. */
class SuspendBodyRetentionTests {

	@Test
	fun `a coroutine the body leaves behind does not keep the ended call's caller reachable`() {
		breakers().withBean("retaining", RetainingProvider::class.java).run { context ->
			val provider = context.getBean(RetainingProvider::class.java)
			val gate = CompletableDeferred<Unit>()
			try {
				val callerState = runBlocking { callKeeping(provider, gate) }
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

	/** Calls the provider holding a large buffer across the call, as a caller's request would be. */
	private suspend fun callKeeping(provider: RetainingProvider, gate: CompletableDeferred<Unit>):
		WeakReference<ByteArray> {
		val buffer = ByteArray(8 shl 20)
		val state = WeakReference(buffer)
		assertThat(provider.leaveWaiting(gate)).isEqualTo("ok")
		assertThat(buffer).hasSize(8 shl 20)
		return state
	}

	@Component
	class RetainingProvider : Provider {

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String,
			temperature: Double): String = "ok"

		suspend fun leaveWaiting(gate: CompletableDeferred<Unit>): String {
			CoroutineScope(currentCoroutineContext() + SupervisorJob()).launch(Dispatchers.IO) { gate.await() }
			return "ok"
		}

	}

}
