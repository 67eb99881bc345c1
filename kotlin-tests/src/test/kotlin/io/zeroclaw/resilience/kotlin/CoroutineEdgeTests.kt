package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.circuitbreaker.CircuitState
import io.zeroclaw.resilience.provider.Provider
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.context.annotation.Configuration
import org.springframework.scheduling.annotation.EnableScheduling
import org.springframework.scheduling.annotation.Scheduled
import org.springframework.stereotype.Component
import org.springframework.stereotype.Service

/**
 * Kotlin shapes at the edges of the coroutine support: a client's own `withTimeout`, a `Deferred`, the final
 * overloads `@JvmOverloads` makes.
 */
class CoroutineEdgeTests {

	@Test
	fun `a suspend provider whose own withTimeout expires counts a failure and opens the breaker`() {
		breakers().withBean("deadlineProvider", DeadlineProvider::class.java).run { context ->
			val provider = context.getBean(DeadlineProvider::class.java)
			val outcomes = outcomesOf(context, "deadlineProvider")
			assertThatExceptionOfType(TimeoutCancellationException::class.java)
				.isThrownBy { runBlocking { provider.chatWithDeadline("hi") } }
			assertThat(provider.calls.get()).isEqualTo(1)
			assertThat(outcomes).containsExactly("failure")
			assertThat(breaker(context, "deadlineProvider").state()).isEqualTo(CircuitState.OPEN)
		}
	}

	@Test
	fun `a caller that gives up on a suspend call with its own withTimeout is not a failure of the upstream`() {
		breakers().withBean("deadlineProvider", DeadlineProvider::class.java).run { context ->
			val provider = context.getBean(DeadlineProvider::class.java)
			val outcomes = outcomesOf(context, "deadlineProvider")
			assertThatExceptionOfType(TimeoutCancellationException::class.java)
				.isThrownBy { runBlocking { withTimeout(50) { provider.hang() } } }
			assertThat(outcomes).containsExactly("ignored")
			assertThat(breaker(context, "deadlineProvider").state()).isEqualTo(CircuitState.CLOSED)
		}
	}

	@Test
	fun `cancelling a provider's Deferred cancels the upstream work, as cancelling its CompletableFuture does`() {
		breakers().withBean("deferringProvider", DeferringProvider::class.java).run { context ->
			val provider = context.getBean(DeferringProvider::class.java)
			provider.chatFuture("hi").cancel(true)
			assertThat(provider.upstreamFuture.isCancelled).isTrue()
			provider.chatDeferred("hi").cancel()
			assertThat(provider.upstreamDeferred.isCancelled).isTrue()
		}
	}

	/** Spring's scheduling calls a suspend function through the class's own signature, which such a proxy lacks. */
	@Test
	fun `a final suspend provider with a Scheduled suspend function an interface declares stops start-up naming it`() {
		breakers().withUserConfiguration(SchedulingConfiguration::class.java)
			.withBean("sweepingProvider", SweepingProvider::class.java, { SweepingProvider() })
			.run { context ->
				assertThat(context).hasFailed()
				assertThat(context.startupFailure).rootCause()
					.hasMessageContaining("Bean 'sweepingProvider' is proxied by its circuit breaker")
					.hasMessageContaining("its @Scheduled suspend functions [sweep]")
					.hasMessageContaining("instances.sweepingProvider.enabled=false")
			}
	}

	@Test
	fun `an open Prioritized function with JvmOverloads starts, and its overloads are admitted once`() {
		backpressure().withBean(OverloadedWorker::class.java).run { context ->
			assertThat(context).hasNotFailed()
			val worker = context.getBean(OverloadedWorker::class.java)
			assertThat(worker.run("report")).isEqualTo("report LOW 0 at depth 1")
			assertThat(worker.run("report", Priority.HIGH)).isEqualTo("report HIGH 0 at depth 1")
			assertThat(context.getBean(BackpressureController::class.java).depth()).isZero()
		}
	}

	@Test
	fun `an open Prioritized suspend function with JvmOverloads starts, and its overloads are admitted once`() {
		backpressure().withBean(SuspendOverloadedWorker::class.java).run { context ->
			assertThat(context).hasNotFailed()
			val worker = context.getBean(SuspendOverloadedWorker::class.java)
			assertThat(runBlocking { worker.run("report") }).isEqualTo("report LOW at depth 1")
			assertThat(runBlocking { worker.run("report", Priority.HIGH) }).isEqualTo("report HIGH at depth 1")
			assertThat(context.getBean(BackpressureController::class.java).depth()).isZero()
		}
	}

	/** A client whose upstream hangs; its own deadline is 1 ms. */
	@Component
	class DeadlineProvider : Provider {

		val calls = AtomicInteger()

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String, temperature: Double): String =
			"ok"

		suspend fun chatWithDeadline(message: String): String = withTimeout(1) {
			calls.incrementAndGet()
			awaitCancellation()
		}

		suspend fun hang(): String = awaitCancellation()

	}

	/** A client whose asynchronous answers are in flight until cancelled. */
	@Component
	class DeferringProvider : Provider {

		val upstreamFuture = CompletableFuture<String>()

		val upstreamDeferred = CompletableDeferred<String>()

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String, temperature: Double): String =
			"ok"

		fun chatFuture(message: String): CompletableFuture<String> = upstreamFuture

		fun chatDeferred(message: String): Deferred<String> = upstreamDeferred

	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	class SchedulingConfiguration

	interface Sweeps {

		suspend fun sweep()

	}

	/** Final (no stereotype for the kotlin-spring plugin to open): its breaker proxies it by its interfaces. */
	class SweepingProvider : Provider, Sweeps {

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String, temperature: Double): String =
			"ok"

		@Scheduled(fixedDelay = 600_000)
		override suspend fun sweep() {
			yield()
		}

	}

	/** A stereotype: the kotlin-spring plugin opens the class and `run`; `@JvmOverloads` makes final overloads. */
	@Service
	class OverloadedWorker {

		@Autowired
		lateinit var controller: BackpressureController

		@Prioritized
		@JvmOverloads
		fun run(task: String, priority: Priority = Priority.LOW, retries: Int = 0): String =
			"$task $priority $retries at depth ${controller.depth()}"

	}

	/** As [OverloadedWorker], for a `suspend` function: the overload's `Continuation` comes last. */
	@Service
	class SuspendOverloadedWorker {

		@Autowired
		lateinit var controller: BackpressureController

		@Prioritized
		@JvmOverloads
		suspend fun run(task: String, priority: Priority = Priority.LOW): String =
			"$task $priority at depth ${controller.depth()}"

	}

}
