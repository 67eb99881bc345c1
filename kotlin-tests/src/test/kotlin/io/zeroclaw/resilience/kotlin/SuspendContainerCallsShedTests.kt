package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.LoadShedException
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import java.time.Duration
import java.util.Optional
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.awaitility.Awaitility.await
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.extension.ExtendWith
import org.springframework.aop.support.AopUtils
import org.springframework.boot.test.system.CapturedOutput
import org.springframework.boot.test.system.OutputCaptureExtension
import org.springframework.context.ApplicationEventPublisher
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
			// a run may be under way and hold its slot: wait for a moment between runs
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2)).until { controller.depth() == 0 }
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

	@Test
	fun `a shed suspend listener's follow-up is not published, an admitted one's is, and a shed Flow publishes nothing`(
			output: CapturedOutput) {
		backpressure().withBean(Enricher::class.java).withBean(Splitter::class.java).withBean(EnrichedAudit::class.java)
			.run { context ->
				val controller = context.getBean(BackpressureController::class.java)
				val audit = context.getBean(EnrichedAudit::class.java)
				whileHeld(controller, 7) { context.publishEvent(OrderPlaced("o-1")) }
				context.publishEvent(OrderPlaced("o-2"))
				await().atMost(Duration.ofSeconds(10)).until { audit.received.size == 3 }
				assertThat(audit.received).containsExactlyInAnyOrder("o-2", "o-2a", "o-2b")
				await().atMost(Duration.ofSeconds(10)).until { controller.depth() == 0 }
				assertThat(output).doesNotContain(LoadShedException::class.java.simpleName)
			}
	}

	/** Spring's proxy turns what a suspend function returning a `Flow` answers into the flow: nothing is no flow. */
	@Test
	fun `a shed suspend listener returning a Flow hands a direct caller an empty flow`() {
		backpressure().withBean(Splitter::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val splitter = context.getBean(Splitter::class.java)
			val split = whileHeld(controller, 7) { runBlocking { splitter.split(OrderPlaced("o-1")).toList() } }
			assertThat(split).isEmpty()
			assertThat(runBlocking { splitter.split(OrderPlaced("o-2")).toList() })
				.containsExactly(OrderEnriched("o-2a"), OrderEnriched("o-2b"))
			assertThat(controller.depth()).isZero()
		}
	}

	/** Skipped, such a function would hand a direct caller `null` for a type that cannot hold it: it is refused. */
	@Test
	fun `a shed suspend container function whose Kotlin type cannot be null is refused to a direct caller`() {
		backpressure().withBean(Refresher::class.java).withBean(Labeller::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val refresher = context.getBean(Refresher::class.java)
			val labeller = context.getBean(Labeller::class.java)
			whileHeld(controller, 7) {
				assertThatExceptionOfType(LoadShedException::class.java)
					.isThrownBy { runBlocking { refresher.refresh() } }
				assertThatExceptionOfType(LoadShedException::class.java)
					.isThrownBy { runBlocking { labeller.label(OrderPlaced("o-1")) } }
				// an Optional that is not nullable in Kotlin cannot be null either
				assertThatExceptionOfType(LoadShedException::class.java)
					.isThrownBy { runBlocking { labeller.optionalLabel(OrderPlaced("o-1")) } }
			}
			assertThat(runBlocking { refresher.refresh() }).isEqualTo(42)
			assertThat(runBlocking { labeller.optionalLabel(OrderPlaced("o-2")) }).hasValue("label-o-2")
			assertThat(controller.depth()).isZero()
		}
	}

	/**
	 * The listener's body resumes on another thread after the publishing work has returned: it is work of its own,
	 * admitted and counted while it runs, not part of the work that published the event.
	 */
	@Test
	fun `a suspend listener delivered inside admitted work holds a slot of its own while its body runs`() {
		backpressure().withBean(Placer::class.java).withBean(SlowShipper::class.java).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val shipper = context.getBean(SlowShipper::class.java)
			context.getBean(Placer::class.java).place("o-1")
			assertThat(shipper.started.await(10, TimeUnit.SECONDS)).isTrue()
			try {
				assertThat(controller.depth()).`as`("depth while the listener's body runs").isEqualTo(1)
			}
			finally {
				shipper.release.countDown()
			}
			await().atMost(Duration.ofSeconds(10)).until { shipper.shipped.get() == 1 }
			await().atMost(Duration.ofSeconds(10)).until { controller.depth() == 0 }
		}
	}

	@Test
	fun `a suspend listener on a bean proxied by its interface is registered, skipped when shed, run when admitted`(
			output: CapturedOutput) {
		backpressure().withBean(Indexes::class.java, { InterfaceIndexer() }).run { context ->
			val controller = context.getBean(BackpressureController::class.java)
			val indexer = context.getBean(Indexes::class.java)
			assertThat(AopUtils.isJdkDynamicProxy(indexer)).isTrue()
			whileHeld(controller, 7) { context.publishEvent(OrderPlaced("o-1")) }
			context.publishEvent(OrderPlaced("o-2"))
			await().atMost(Duration.ofSeconds(10)).until { indexer.indexed() == 1 }
			assertThat(output).doesNotContain(LoadShedException::class.java.simpleName)
		}
	}

	/** Spring's scheduling calls a suspend function through the class's own signature, which such a proxy lacks. */
	@Test
	fun `a suspend Scheduled function on a bean proxied by its interface stops start-up naming it`() {
		backpressure().withUserConfiguration(InterfaceSchedulingConfiguration::class.java).run { context ->
			assertThat(context).hasFailed()
			assertThat(context.startupFailure).rootCause()
				.hasMessageContaining("Bean 'sweeper' has @Prioritized methods")
				.hasMessageContaining("its @Scheduled suspend functions [sweep]")
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

	data class OrderEnriched(val id: String)

	data class OrderShipped(val id: String)

	@Component
	class Enricher {

		@EventListener
		@Prioritized(Priority.LOW)
		suspend fun enrich(event: OrderPlaced): OrderEnriched? {
			yield()
			return OrderEnriched(event.id)
		}

	}

	@Component
	class Splitter {

		@EventListener
		@Prioritized(Priority.LOW)
		suspend fun split(event: OrderPlaced): Flow<OrderEnriched> {
			yield()
			return flowOf(OrderEnriched(event.id + "a"), OrderEnriched(event.id + "b"))
		}

	}

	@Component
	class EnrichedAudit {

		val received: MutableList<String> = CopyOnWriteArrayList()

		@EventListener
		fun on(event: OrderEnriched) {
			received.add(event.id)
		}

	}

	@Component
	class Refresher {

		@Scheduled(fixedDelay = 600_000, initialDelay = 600_000)
		@Prioritized(Priority.LOW)
		suspend fun refresh(): Int {
			yield()
			return 42
		}

	}

	@Component
	class Labeller {

		@EventListener(condition = "false")
		@Prioritized(Priority.LOW)
		suspend fun label(event: OrderPlaced): String {
			yield()
			return "label-" + event.id
		}

		@EventListener(condition = "false")
		@Prioritized(Priority.LOW)
		suspend fun optionalLabel(event: OrderPlaced): Optional<String> {
			yield()
			return Optional.of("label-" + event.id)
		}

	}

	@Component
	class Placer(private val events: ApplicationEventPublisher) {

		@Prioritized(Priority.HIGH)
		fun place(id: String) {
			events.publishEvent(OrderShipped(id))
		}

	}

	@Component
	class SlowShipper {

		val started = CountDownLatch(1)

		val release = CountDownLatch(1)

		val shipped = AtomicInteger()

		@EventListener
		@Prioritized(Priority.LOW)
		suspend fun ship(event: OrderShipped) {
			withContext(Dispatchers.IO) {
				started.countDown()
				release.await(10, TimeUnit.SECONDS)
			}
			shipped.incrementAndGet()
		}

	}

	interface Indexes {

		suspend fun index(event: OrderPlaced)

		fun indexed(): Int

	}

	/** Final (a `@Bean` the kotlin-spring plugin does not open): proxied by its interface. */
	class InterfaceIndexer : Indexes {

		private val indexed = AtomicInteger()

		@EventListener
		@Prioritized(Priority.LOW)
		override suspend fun index(event: OrderPlaced) {
			yield()
			indexed.incrementAndGet()
		}

		override fun indexed(): Int = indexed.get()

	}

	interface Sweeps {

		suspend fun sweep()

	}

	/** Final, as [InterfaceIndexer]. */
	class InterfaceSweeper : Sweeps {

		@Scheduled(fixedDelay = 20)
		@Prioritized(Priority.BACKGROUND)
		override suspend fun sweep() {
			yield()
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	class InterfaceSchedulingConfiguration {

		@org.springframework.context.annotation.Bean
		fun sweeper(): Sweeps = InterfaceSweeper()

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
