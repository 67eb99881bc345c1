package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.provider.Provider
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asContextElement
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.springframework.stereotype.Component

/**
 * The caller's coroutine context (its name, a thread-local it carries as a context element) reaches the body of a
 * `@Prioritized` or guarded `suspend` function through the starter's proxies, after a dispatcher hop too, and the
 * thread-local is back to what it was once the call has returned.
 */
class CallerCoroutineContextTests {

	@Test
	fun `a prioritized suspend body sees the caller's coroutine context`() {
		backpressure().withBean(Worker::class.java).run { context ->
			val worker = context.getBean(Worker::class.java)
			val seen = runBlocking(CoroutineName("job-7") + TENANT.asContextElement("acme")) {
				val inside = worker.run()
				inside + ("after" to (TENANT.get() ?: "none"))
			}
			assertThat(seen).containsEntry("name", "job-7").containsEntry("tenant", "acme")
				.containsEntry("hopped", "acme").containsEntry("after", "acme")
			assertThat(TENANT.get()).isNull()
		}
	}

	@Test
	fun `a guarded suspend body sees the caller's coroutine context`() {
		breakers().withBean("contextProvider", ContextProvider::class.java).run { context ->
			val provider = context.getBean(ContextProvider::class.java)
			val seen = runBlocking(CoroutineName("job-8") + TENANT.asContextElement("globex")) {
				provider.chatSuspending()
			}
			assertThat(seen).containsEntry("name", "job-8").containsEntry("tenant", "globex")
				.containsEntry("hopped", "globex")
			assertThat(TENANT.get()).isNull()
		}
	}

	@Component
	class Worker {

		@Prioritized(Priority.LOW)
		suspend fun run(): Map<String, String> = seen()

	}

	@Component
	class ContextProvider : Provider {

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String, temperature: Double) =
			"ok"

		suspend fun chatSuspending(): Map<String, String> = seen()

	}

	companion object {

		val TENANT = ThreadLocal<String>()

		suspend fun seen(): Map<String, String> {
			yield()
			val name = currentCoroutineContext()[CoroutineName]?.name ?: "none"
			val tenant = TENANT.get() ?: "none"
			val hopped = withContext(Dispatchers.IO) { TENANT.get() ?: "none" }
			return mapOf("name" to name, "tenant" to tenant, "hopped" to hopped)
		}

	}

}
