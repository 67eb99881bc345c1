package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.LoadShedException
import io.zeroclaw.resilience.backpressure.Prioritized
import io.zeroclaw.resilience.backpressure.Priority
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.junit.jupiter.api.Test
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Configuration
import org.springframework.scheduling.annotation.Async
import org.springframework.scheduling.annotation.EnableAsync
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor
import org.springframework.stereotype.Service

/** An `@Async` call made in the body of a held `suspend` function is new work: admitted, and shed while draining. */
class AsyncInSuspendBodyTests {

	@Test
	fun `an async call from a held suspend body is admitted on its own and its worker's calls run under it`() {
		backpressure().withUserConfiguration(AsyncConfig::class.java).withBean(Worker::class.java)
			.withBean(Body::class.java).run { context ->
				val controller = context.getBean(BackpressureController::class.java)
				val body = context.getBean(Body::class.java)
				// body (1) + async task (1) + the worker's nested call runs under the task: depth 2
				assertThat(runBlocking { body.callAsync() }).isEqualTo(2)
				assertThat(controller.depth()).isZero()
			}
	}

	@Test
	fun `an async call from a held suspend body is shed while draining, as from synchronous work`() {
		backpressure().withUserConfiguration(AsyncConfig::class.java).withBean(Worker::class.java)
			.withBean(Body::class.java).run { context ->
				val controller = context.getBean(BackpressureController::class.java)
				val body = context.getBean(Body::class.java)
				controller.stopAccepting()
				try {
					assertThatExceptionOfType(LoadShedException::class.java).isThrownBy {
						runBlocking { body.callAsync() }
					}
				}
				finally {
					controller.resumeAccepting()
				}
				assertThat(controller.depth()).isZero()
			}
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync(proxyTargetClass = true)
	class AsyncConfig {

		@Bean(initMethod = "initialize", destroyMethod = "shutdown")
		fun taskExecutor(): ThreadPoolTaskExecutor = ThreadPoolTaskExecutor()

	}

	@Service
	class Worker(private val controller: BackpressureController) {

		@Prioritized(Priority.BACKGROUND)
		fun nested(): Int = this.controller.depth()

	}

	@Service
	class Body(private val worker: Worker, private val self: org.springframework.beans.factory.ObjectProvider<Body>) {

		@Prioritized(Priority.CRITICAL)
		suspend fun callAsync(): Int = withContext(Dispatchers.IO) { self.getObject().task().await() }

		@Async
		@Prioritized(Priority.BACKGROUND)
		fun task(): CompletableFuture<Int> = CompletableFuture.completedFuture(worker.nested())

	}

}
