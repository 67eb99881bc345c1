package io.zeroclaw.resilience.autoconfigure.backpressure

import io.zeroclaw.resilience.backpressure.Admission
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.reactor.awaitSingleOrNull
import kotlinx.coroutines.reactor.mono
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import reactor.core.publisher.Mono

/**
 * [SuspendedWork] as Spring's proxy drives it: the body is a `mono { }` running on its own dispatcher, awaited by the
 * calling coroutine with `awaitSingleOrNull`.
 */
class SuspendedWorkTests {

	/**
	 * The body's end and the caller's cancellation may come at the same instant, from two threads; an admission must
	 * not be closed by two threads at once (see `Admission`: the second close may release the slot a second time).
	 */
	@Test
	fun `a caller cancelled while the body's end gives the slot back does not close the admission a second time`() {
		val closes = AtomicInteger()
		val firstClosing = CountDownLatch(1)
		val firstMayEnd = CountDownLatch(1)
		val admission = Admission {
			if (closes.incrementAndGet() == 1) {
				firstClosing.countDown()
				firstMayEnd.await(10, TimeUnit.SECONDS)
			}
		}
		val gate = CompletableDeferred<Unit>()
		@Suppress("UNCHECKED_CAST")
		val body = SuspendedWork.holdUntilDone(mono(Dispatchers.IO) {
			gate.await()
			"done"
		}, admission) as Mono<String>
		runBlocking {
			val caller = launch(Dispatchers.Default) { body.awaitSingleOrNull() }
			await().atMost(Duration.ofSeconds(10)).until { gate.isActive && caller.isActive }
			gate.complete(Unit)
			// the body has ended and its thread is giving the slot back; the caller is still suspended
			assertThat(firstClosing.await(10, TimeUnit.SECONDS)).isTrue()
			caller.cancel()
			val closesWhileTheFirstRan = closes.get()
			firstMayEnd.countDown()
			caller.join()
			assertThat(closesWhileTheFirstRan).`as`("closes begun while the first was under way").isEqualTo(1)
		}
		assertThat(closes.get()).isEqualTo(1)
	}

}
