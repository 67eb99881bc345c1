package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.Admission
import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.LoadShedException
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.extension.ExtendWith
import org.springframework.boot.test.system.CapturedOutput
import org.springframework.boot.test.system.OutputCaptureExtension
import org.springframework.context.annotation.Configuration
import org.springframework.context.event.EventListener
import org.springframework.core.annotation.Order
import org.springframework.scheduling.annotation.EnableScheduling
import org.springframework.scheduling.annotation.Scheduled
import org.springframework.stereotype.Component

/**
 * A `@Prioritized` `suspend` function the container calls, as a Java method is: a shed `@Scheduled` run is skipped
 * rather than refused into the scheduler (which logs every refused run at WARN), and a shed `@EventListener`
 * delivery is skipped rather than refused into the listener's adapter (which logs it at ERROR). With ten slots
 * BACKGROUND and LOW are shed once six are held.
 */
@ExtendWith(OutputCaptureExtension::class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SuspendContainerCallsShedTests {

	@Test
	fun `a shed suspend Scheduled run is skipped without a word from the scheduler`(output: CapturedOutput) {
		backpressure().withUserConfiguration(SchedulingConfiguration::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val sweeper = context.getBean(SuspendSweeper::class.java)
			await().atMost(Duration.ofSeconds(10)).until { sweeper.sweeps() > 0 }
			val sweeps = whileHeld(controller, 6) {
				val ticks = sweeper.ticks()
				// a run that started before the slots were taken may still end: count from one after it
				await().atMost(Duration.ofSeconds(10)).until { sweeper.ticks() > ticks + 1 }
				val sweeps = sweeper.sweeps()
				val later = sweeper.ticks()
				await().atMost(Duration.ofSeconds(10)).until { sweeper.ticks() > later + 5 }
				assertThat(sweeper.sweeps()).`as`("sweeps run while BACKGROUND was shed").isEqualTo(sweeps)
				sweeps
			}
			await().atMost(Duration.ofSeconds(10)).until { sweeper.sweeps() > sweeps }
			assertThat(output).doesNotContain(LoadShedException::class.java.simpleName)
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `a shed suspend EventListener is skipped and the event reaches the listeners after it`(output: CapturedOutput) {
		backpressure().withBean(SuspendIndexer::class.java).withBean(Audit::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val indexer = context.getBean(SuspendIndexer::class.java)
			val audit = context.getBean(Audit::class.java)
			whileHeld(controller, 7) { context.publishEvent(OrderPlaced("o-1")) }
			assertThat(audit.received).containsExactly("o-1")
			assertThat(indexer.indexed()).isZero()
			context.publishEvent(OrderPlaced("o-2"))
			await().atMost(Duration.ofSeconds(10)).until { indexer.indexed() == 1 }
			assertThat(audit.received).containsExactly("o-1", "o-2")
			assertThat(output).doesNotContain(LoadShedException::class.java.simpleName)
			assertThat(controller.depth()).isZero()
		}
	}

	@Test
	fun `a shed suspend function the application calls is still refused to its caller`() {
		backpressure().withBean(SuspendIndexer::class.java).withBean(Audit::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val indexer = context.getBean(SuspendIndexer::class.java)
			whileHeld(controller, 7) {
				assertThatExceptionOfType(LoadShedException::class.java)
					.isThrownBy { runBlocking { indexer.reindex("o-1") } }
			}
			assertThat(indexer.indexed()).isZero()
			assertThat(controller.depth()).isZero()
		}
	}

	/** Runs the action while HIGH work holds the given number of slots, and gives them back whatever it does. */
	private fun <T> whileHeld(controller: BackpressureController, slots: Int, action: () -> T): T {
		val held = ArrayList<Admission>()
		try {
			repeat(slots) { held.add(controller.admit(Priority.HIGH)) }
			return action()
		}
		finally {
			held.forEach(Admission::close)
		}
	}

	data class OrderPlaced(val id: String)

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	class SchedulingConfiguration {

		@org.springframework.context.annotation.Bean
		fun sweeper() = SuspendSweeper()

	}

	/** Counts its sweeps and, on a schedule of its own that is never shed, the scheduler's ticks. */
	@Component
	class SuspendSweeper {

		private val sweeps = AtomicInteger()

		private val ticks = AtomicInteger()

		@Scheduled(fixedDelay = 20)
		@Prioritized(Priority.BACKGROUND)
		suspend fun sweep() {
			yield()
			sweeps.incrementAndGet()
		}

		@Scheduled(fixedDelay = 20)
		fun tick() {
			ticks.incrementAndGet()
		}

		fun sweeps(): Int = sweeps.get()

		fun ticks(): Int = ticks.get()

	}

	@Component
	class SuspendIndexer {

		private val indexed = AtomicInteger()

		@EventListener
		@Order(1)
		@Prioritized(Priority.LOW)
		suspend fun index(event: OrderPlaced) {
			yield()
			indexed.incrementAndGet()
		}

		@Prioritized(Priority.LOW)
		suspend fun reindex(id: String) {
			yield()
			indexed.incrementAndGet()
		}

		fun indexed(): Int = indexed.get()

	}

	@Component
	class Audit {

		val received: MutableList<String> = CopyOnWriteArrayList()

		@EventListener
		@Order(2)
		fun audit(event: OrderPlaced) {
			received.add(event.id)
		}

	}

}
