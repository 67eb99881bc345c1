package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.stereotype.Service

/**
 * Final `@Prioritized` overloads beside an open function: the ones `@JvmOverloads` generates (in the bean's class or
 * a base class) only call `name$default`, which calls the open function through the proxy, and are let through; a
 * hand-written one that does its own work fails start-up, though default arguments alone make a `name$default` too.
 */
class JvmOverloadsShapesTests {

	@Test
	fun `a hand-written final overload next to an open function with default arguments should fail start-up`() {
		// default arguments alone (no @JvmOverloads) make run$default; the final run(String) does not call it
		backpressure().withBean("reports", DefaultArgsWorker::class.java).run { context ->
			assertThat(context).hasFailed()
				.failure.rootCause()
				.hasMessageContaining("Bean 'reports' has @Prioritized methods [run] that are final")
		}
	}

	@Test
	fun `an inherited open Prioritized function with JvmOverloads starts, and its overloads are admitted once`() {
		// the generated final run(String) and run$default live in the base class, not in the bean's own class
		backpressure().withBean(InheritingWorker::class.java).run { context ->
			assertThat(context).hasNotFailed()
			val worker = context.getBean(InheritingWorker::class.java)
			assertThat(worker.run("report")).isEqualTo("report LOW at depth 1")
			assertThat(worker.run("report", Priority.HIGH)).isEqualTo("report HIGH at depth 1")
			assertThat(context.getBean(BackpressureController::class.java).depth()).isZero()
		}
	}

	/** kotlin-spring opens the class and `run(String, Int)`; `run(String)` is written final, doing its own work. */
	@Service
	class DefaultArgsWorker {

		@Autowired
		lateinit var controller: BackpressureController

		@Prioritized
		fun run(task: String, retries: Int = 1): String = "$task x$retries at depth ${controller.depth()}"

		@Prioritized
		final fun run(task: String): String = "$task alone at depth ${controller.depth()}"

	}

	/** A base class of the application's (or a library's), not a stereotype: its `open` function is explicit. */
	abstract class BaseWorker {

		@Autowired
		lateinit var controller: BackpressureController

		@Prioritized
		@JvmOverloads
		open fun run(task: String, priority: Priority = Priority.LOW): String =
			"$task $priority at depth ${controller.depth()}"

	}

	@Service
	class InheritingWorker : BaseWorker()

}
