package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Prioritized
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.ObjectProvider

/**
 * Kotlin shapes the start-up checks of `@Prioritized` methods must let through: a final class implementing a generic
 * interface, a value class (whose compiler-made static `-impl` method carries the annotation too), a data class.
 */
class PrioritizedKotlinShapesTests {

	@Test
	fun `a final Kotlin class implementing a generic interface starts and is admitted`() {
		backpressure().withBean("chat", ChatHandler::class.java).run { context ->
			assertThat(context).hasNotFailed()
			@Suppress("UNCHECKED_CAST")
			val handler = context.getBean(Handler::class.java) as Handler<String>
			assertThat(handler.handle("hi")).isEqualTo(1)
		}
	}

	@Test
	fun `a value class implementing an interface starts`() {
		backpressure().withBean("tenant", Greeter::class.java, { Tenant("acme") }).run { context ->
			assertThat(context).hasNotFailed()
		}
	}

	@Test
	fun `a data class implementing an interface starts`() {
		backpressure().withBean("job", Greeter::class.java, { Job("acme") }).run { context ->
			assertThat(context).hasNotFailed()
		}
	}

	interface Handler<T> {
		fun handle(request: T): Int
	}

	/** Not a stereotype, so kotlin-spring leaves it final: proxied by its interfaces. */
	class ChatHandler(private val controller: ObjectProvider<BackpressureController>) : Handler<String> {
		@Prioritized
		override fun handle(request: String): Int = controller.getObject().depth()
	}

	interface Greeter {
		fun greet(): Int
	}

	@JvmInline
	value class Tenant(val id: String) : Greeter {
		@Prioritized
		override fun greet(): Int = id.length
	}

	data class Job(val name: String) : Greeter {
		@Prioritized
		override fun greet(): Int = name.length
	}

}
