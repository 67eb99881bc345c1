package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.Prioritized
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * A value class bean (as PrioritizedKotlinShapesTests' Tenant) whose @Prioritized member takes a value class.
 * The compiler's static copy of that member is named with the mangled name ('greet-<hash>'), not '-impl', so
 * 8a1c483's isValueClassCopy no longer skips it and requireReachable reports it as a static @Prioritized method.
 */
class PrioritizedValueClassBeanTests {

	@Test
	fun `a value class implementing an interface whose method takes a value class starts`() {
		backpressure().withBean("tenant", TenantGreeter::class.java, { Tenant("acme") }).run { context ->
			assertThat(context).hasNotFailed()
			assertThat(context.getBean(TenantGreeter::class.java).greet(Locale("en"))).isEqualTo(4)
		}
	}

	@JvmInline
	value class Locale(val tag: String)

	interface TenantGreeter {
		fun greet(locale: Locale): Int
	}

	@JvmInline
	value class Tenant(val id: String) : TenantGreeter {
		@Prioritized
		override fun greet(locale: Locale): Int = id.length
	}

}
