package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.Prioritized
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.springframework.stereotype.Service

/** A value-class parameter makes the compiler mangle a method's name with a '-': the start-up checks still see it. */
class PrioritizedValueClassParameterTests {

	@Test
	fun `control - a private Prioritized method fails start-up`() {
		backpressure().withBean("plain", PlainWorker::class.java).run { context ->
			assertThat(context).hasFailed()
		}
	}

	@Test
	fun `a private Prioritized method taking a value class fails start-up as any private one does`() {
		backpressure().withBean("tenant", TenantWorker::class.java).run { context ->
			assertThat(context).hasFailed()
		}
	}

	@Test
	fun `an interface-proxied bean's Prioritized method no interface declares fails start-up, value class or not`() {
		backpressure().withBean("greeter", Greeter::class.java, { TenantGreeter() }).run { context ->
			assertThat(context).hasFailed()
		}
	}

	@JvmInline
	value class TenantId(val id: String)

	@Service
	class PlainWorker {
		fun run(): Int = work("a")

		@Prioritized
		private fun work(id: String): Int = id.length
	}

	@Service
	class TenantWorker {
		fun run(): Int = work(TenantId("a"))

		@Prioritized
		private fun work(id: TenantId): Int = id.id.length
	}

	interface Greeter {
		fun greet(): Int
	}

	/** Not a stereotype: final, so proxied by its interfaces. */
	class TenantGreeter : Greeter {
		override fun greet(): Int = 1

		@Prioritized
		fun handle(id: TenantId): Int = id.id.length
	}

}
