package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.LoadShedException
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import java.util.concurrent.Executors
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.junit.jupiter.api.Test
import org.springframework.stereotype.Service

/**
 * The body of a `@Prioritized` `suspend` function is admitted work wherever its coroutine runs: a `@Prioritized` call
 * it makes, synchronous or `suspend` and awaited, runs under its slot, as one from a synchronous call's body does.
 *
 * Queue of 10 with six slots held by HIGH work: BACKGROUND work (shed from a fill of 0.5) is shed if admitted on its
 * own, CRITICAL work never is.
 */
class PrioritizedSuspendBodyTests {

	@Test
	fun `a synchronous call from the body after a dispatcher hop runs under the body's slot`() {
		run { controller, outer ->
			val depthInside = whileHeld(controller, 6) { runBlocking { outer.hopThenCallSynchronously() } }
			assertThat(depthInside).`as`("depth inside: the six held and the body's own").isEqualTo(7)
		}
	}

	@Test
	fun `a suspend call the body awaits runs under the body's slot, and so does one its child coroutine makes`() {
		run { controller, outer ->
			assertThat(whileHeld(controller, 6) { runBlocking { outer.hopThenCallSuspending() } }).isEqualTo(7)
			assertThat(whileHeld(controller, 6) { runBlocking { outer.callFromChildren() } }).containsExactly(7, 7)
		}
	}

	/** Started in a scope of its own, the coroutine may outlast the body, so its calls are work of their own. */
	@Test
	fun `a suspend call from a coroutine started in a scope of its own is admitted on its own`() {
		run { controller, outer ->
			assertThatExceptionOfType(LoadShedException::class.java)
				.isThrownBy { whileHeld(controller, 6) { runBlocking { outer.callFromGlobalScope() } } }
			assertThat(runBlocking { outer.callFromGlobalScope() }).`as`("admitted on its own: two slots").isEqualTo(2)
		}
	}

	@Test
	fun `a coroutine that inherited the body's context is admitted work no longer once the body has ended`() {
		run { controller, outer ->
			val late = whileHeld(controller, 6) {
				val late = runBlocking { outer.leaveBehind() }
				late.go.complete(Unit)
				runBlocking { late.outcome.await() }
			}
			assertThat(late).isInstanceOf(LoadShedException::class.java)
		}
	}

	/** kotlinx.coroutines puts back the thread's own mark each time the body suspends or ends. */
	@Test
	fun `the thread the body ran on is not left marked`() {
		val thread = Executors.newSingleThreadExecutor()
		try {
			val dispatcher = thread.asCoroutineDispatcher()
			run { controller, outer ->
				runBlocking { outer.hopTo(dispatcher) }
				assertThatExceptionOfType(LoadShedException::class.java).isThrownBy {
					whileHeld(controller, 6) { runBlocking(dispatcher) { outer.inner.background() } }
				}
			}
		}
		finally {
			thread.shutdownNow()
		}
	}

	private fun run(test: (BackpressureController, Outer) -> Unit) {
		backpressure().withBean(Inner::class.java).withBean(Outer::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			test(controller, context.getBean(Outer::class.java))
			assertThat(controller.depth()).`as`("depth after the calls").isZero()
		}
	}

	class Late {

		val go = CompletableDeferred<Unit>()

		val outcome = CompletableDeferred<Throwable?>()

	}

	@Service
	class Inner(private val controller: BackpressureController) {

		@Prioritized(Priority.BACKGROUND)
		fun background(): Int = this.controller.depth()

		@Prioritized(Priority.BACKGROUND)
		suspend fun backgroundSuspending(): Int {
			yield()
			return this.controller.depth()
		}

	}

	@Service
	class Outer(val inner: Inner) {

		@Prioritized(Priority.CRITICAL)
		suspend fun hopThenCallSynchronously(): Int = withContext(Dispatchers.IO) { inner.background() }

		@Prioritized(Priority.CRITICAL)
		suspend fun hopThenCallSuspending(): Int = withContext(Dispatchers.IO) { inner.backgroundSuspending() }

		@Prioritized(Priority.CRITICAL)
		suspend fun callFromChildren(): List<Int> = coroutineScope {
			listOf(async(Dispatchers.Default) { inner.backgroundSuspending() },
				async(Dispatchers.IO) { inner.background() }).map { it.await() }
		}

		@OptIn(DelicateCoroutinesApi::class)
		@Prioritized(Priority.CRITICAL)
		suspend fun callFromGlobalScope(): Int =
			GlobalScope.async(Dispatchers.Unconfined) { inner.backgroundSuspending() }.await()

		/** Leaves a coroutine with the body's context behind, which calls once told to, after the body has ended. */
		@Prioritized(Priority.CRITICAL)
		suspend fun leaveBehind(): Late {
			val late = Late()
			CoroutineScope(currentCoroutineContext() + SupervisorJob()).async(Dispatchers.IO) {
				late.go.await()
				late.outcome.complete(runCatching { inner.background() }.exceptionOrNull())
			}
			return late
		}

		@Prioritized(Priority.CRITICAL)
		suspend fun hopTo(dispatcher: kotlinx.coroutines.CoroutineDispatcher) {
			withContext(dispatcher) { yield() }
		}

	}

}
