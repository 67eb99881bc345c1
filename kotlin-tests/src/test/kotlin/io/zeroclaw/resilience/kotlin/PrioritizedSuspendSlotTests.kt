package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Prioritized
import java.lang.Runnable
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.junit.jupiter.api.Test
import org.springframework.stereotype.Service

/** When a `@Prioritized` `suspend` function gives its slot back, as its caller sees it. */
class PrioritizedSuspendSlotTests {

	/**
	 * The caller is resumed by the body's end, here on the body's own thread at once (as a dispatcher with an idle
	 * thread may do just as soon): the slot is already back by then, not given back after the caller has gone on.
	 */
	@Test
	fun `a caller resumed by the body's end finds the slot of the call already given back`() {
		backpressure().withBean(SlotWorker::class.java).run { context ->
			val worker = context.getBean(SlotWorker::class.java)
			val controller = context.getBean(BackpressureController::class.java)
			val depthOnResume = runBlocking(InlineDispatcher) {
				worker.hop()
				controller.depth()
			}
			assertThat(depthOnResume).isZero()
		}
	}

	@Test
	fun `a caller already cancelled when it calls gives the slot back`() {
		backpressure().withBean(SlotWorker::class.java).run { context ->
			val worker = context.getBean(SlotWorker::class.java)
			val controller = context.getBean(BackpressureController::class.java)
			val outcome = CompletableDeferred<Throwable?>()
			runBlocking {
				launch(Dispatchers.Default) {
					cancel()
					outcome.complete(runCatching { worker.hang() }.exceptionOrNull())
				}.join()
			}
			assertThat(outcome.getCompleted()).isInstanceOf(CancellationException::class.java)
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `a caller's withTimeout expiring during the body gives the slot back`() {
		backpressure().withBean(SlotWorker::class.java).run { context ->
			val worker = context.getBean(SlotWorker::class.java)
			val controller = context.getBean(BackpressureController::class.java)
			assertThatExceptionOfType(TimeoutCancellationException::class.java)
				.isThrownBy { runBlocking { withTimeout(50) { worker.hang() } } }
			assertThat(controller.depth()).isZero()
		}
	}

	/** Runs every resumption at once on the thread that resumes it. */
	private object InlineDispatcher : CoroutineDispatcher() {

		override fun dispatch(context: CoroutineContext, block: Runnable) {
			block.run()
		}

	}

	@Service
	class SlotWorker {

		@Prioritized
		suspend fun hop() {
			withContext(Dispatchers.IO) { yield() }
		}

		@Prioritized
		suspend fun hang(): String = awaitCancellation()

	}

}
