package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration
import io.zeroclaw.resilience.backpressure.Admission
import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerListener
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry
import java.util.concurrent.CopyOnWriteArrayList
import org.springframework.boot.autoconfigure.AutoConfigurations
import org.springframework.boot.test.context.runner.ApplicationContextRunner
import org.springframework.context.ApplicationContext

/** The starter's breakers, opening at the first failure. */
internal fun breakers(): ApplicationContextRunner = ApplicationContextRunner()
	.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration::class.java,
		CircuitBreakerAutoConfiguration::class.java))
	.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
		"zeroclaw.resilience.circuit-breaker.failure-threshold=1")

/** The starter's load shedding on a queue of 10. */
internal fun backpressure(): ApplicationContextRunner = ApplicationContextRunner()
	.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration::class.java,
		BackpressureAutoConfiguration::class.java))
	.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
		"zeroclaw.resilience.backpressure.max-queue-depth=10")

/** Runs the action while HIGH work holds the given number of slots, and gives them back whatever it does. */
internal fun <T> whileHeld(controller: BackpressureController, slots: Int, action: () -> T): T {
	val held = ArrayList<Admission>()
	try {
		repeat(slots) { held.add(controller.admit(Priority.HIGH)) }
		return action()
	}
	finally {
		held.forEach(Admission::close)
	}
}

internal fun breaker(context: ApplicationContext, name: String): CircuitBreaker =
	context.getBean(CircuitBreakerRegistry::class.java).find(name).get()

/** The outcomes the named breaker records from now on: success, failure or ignored, in order. */
internal fun outcomesOf(context: ApplicationContext, name: String): List<String> {
	val outcomes = CopyOnWriteArrayList<String>()
	breaker(context, name).addListener(object : CircuitBreakerListener {
		override fun onSuccess(breaker: CircuitBreaker) {
			outcomes.add("success")
		}

		override fun onFailure(breaker: CircuitBreaker, failure: Throwable) {
			outcomes.add("failure")
		}

		override fun onIgnored(breaker: CircuitBreaker, cause: Throwable?) {
			outcomes.add("ignored")
		}
	})
	return outcomes
}
