package io.zeroclaw.resilience.kotlin

import io.zeroclaw.resilience.autoconfigure.InvalidResiliencePropertyException
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitKeyResolver
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicyRegistration
import io.zeroclaw.resilience.autoconfigure.web.RetryAfter
import io.zeroclaw.resilience.backpressure.BackpressureConfig
import io.zeroclaw.resilience.backpressure.BackpressureController
import io.zeroclaw.resilience.backpressure.Priority
import io.zeroclaw.resilience.circuitbreaker.CircuitBreaker
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerConfig
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerListener
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry
import io.zeroclaw.resilience.provider.Provider
import io.zeroclaw.resilience.provider.StreamChunk
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.stream.Stream
import kotlin.reflect.KType
import kotlin.reflect.typeOf
import org.assertj.core.api.Assertions.assertThat
import org.jspecify.annotations.NullMarked
import org.junit.jupiter.api.Test
import org.springframework.boot.autoconfigure.AutoConfigurations
import org.springframework.boot.test.context.runner.ApplicationContextRunner
import org.springframework.core.io.support.PathMatchingResourcePatternResolver
import org.springframework.mock.web.MockHttpServletRequest

/**
 * The starter's nullness as Kotlin sees it. Its packages are `@NullMarked` (JSpecify), which Kotlin 2 reads strictly:
 * an unannotated type is non-null, a `@Nullable` one is nullable, and neither is a platform type any more. What is
 * nullable must then be declared so, or a Kotlin caller that passes `null` where the starter takes it, or overrides a
 * method with the nullable parameter it is called with, does not compile. So this class is first a compile-time
 * check: each `null` passed and each `?` in an override below compiles only with the right declarations. The
 * declared types are also read back as the compiler inferred them ([declaredType]), which tells `String?` from
 * `String` and from the platform type `String!` that an unannotated package gives.
 */
class NullnessTests {

	@Test
	fun `every package of the starter is null-marked`() {
		val packages = starterPackages()
		assertThat(packages).contains("io.zeroclaw.resilience.provider", "io.zeroclaw.resilience.circuitbreaker",
			"io.zeroclaw.resilience.backpressure", "io.zeroclaw.resilience.ratelimit",
			"io.zeroclaw.resilience.ratelimit.redis", "io.zeroclaw.resilience.autoconfigure")
		assertThat(packages.filterNot { isNullMarked(it) }).isEmpty()
	}

	@Test
	fun `a Kotlin provider overrides chatWithSystem with a nullable system prompt, and is called without one`() {
		ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration::class.java,
				CircuitBreakerAutoConfiguration::class.java))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.withBean("kotlinProvider", PromptEchoProvider::class.java)
			.run { context ->
				val provider = context.getBean("kotlinProvider", Provider::class.java)
				assertThat(context.getBean(CircuitBreakerRegistry::class.java).find("kotlinProvider")).isPresent()
				assertThat(provider.chatWithSystem(null, "hi", "m", 0.0)).isEqualTo("no instructions: hi")
				assertThat(provider.chatWithSystem("be brief", "hi", "m", 0.0)).isEqualTo("be brief: hi")
				assertThat(provider.simpleChat("hi", "m", 0.0)).isEqualTo("no instructions: hi")
				provider.streamChatWithSystem(null, "hi", "m", 0.0).use { stream ->
					assertThat(stream.map(StreamChunk::delta).toList()).containsExactly("no instructions: hi", "")
				}
			}
	}

	@Test
	fun `the optional properties read and write as nullable, the ones with a default as non-null`() {
		val instance = ResilienceProperties.Instance()
		assertThat(declaredType(instance.enabled)).isEqualTo(typeOf<Boolean?>())
		assertThat(declaredType(instance.failureThreshold)).isEqualTo(typeOf<Int?>())
		assertThat(declaredType(instance.recoveryTimeout)).isEqualTo(typeOf<Duration?>())
		assertThat(declaredType(instance.halfOpenMaxRequests)).isEqualTo(typeOf<Int?>())
		instance.enabled = false
		instance.enabled = null
		instance.recoveryTimeout = null
		assertThat(instance.enabled).isNull()

		val rateLimit = ResilienceProperties.RateLimit()
		assertThat(declaredType(rateLimit.filterOrder)).isEqualTo(typeOf<Int?>())
		rateLimit.filterOrder = null
		assertThat(declaredType(rateLimit.window)).isEqualTo(typeOf<Duration>())
		assertThat(declaredType(rateLimit.keyHeader)).isEqualTo(typeOf<String>())
		assertThat(declaredType(rateLimit.key)).isEqualTo(typeOf<KeyType>())

		val policy = ResilienceProperties.Policy()
		assertThat(declaredType(policy.requestsPerWindow)).isEqualTo(typeOf<Long?>())
		assertThat(declaredType(policy.window)).isEqualTo(typeOf<Duration?>())
		assertThat(declaredType(policy.burst)).isEqualTo(typeOf<Long?>())
		assertThat(declaredType(policy.key)).isEqualTo(typeOf<KeyType?>())
		assertThat(declaredType(policy.keyHeader)).isEqualTo(typeOf<String?>())
		policy.keyHeader = null

		assertThat(declaredType(ResilienceProperties().circuitBreaker.recoveryTimeout)).isEqualTo(typeOf<Duration>())
	}

	@Test
	fun `a key resolver may answer null, for the client address`() {
		val resolver = RateLimitKeyResolver { request, _ -> request.getHeader("X-Tenant") }
		val request = MockHttpServletRequest()
		assertThat(declaredType(resolver.resolve(request, "default"))).isEqualTo(typeOf<String?>())
		assertThat(resolver.resolve(request, "default")).isNull()
		request.addHeader("X-Tenant", "acme")
		assertThat(resolver.resolve(request, "default")).isEqualTo("acme")
	}

	@Test
	fun `a breaker runs calls whose result is null, and tells a listener of an abandoned call without a cause`() {
		val breaker = CircuitBreaker("nullable", CircuitBreakerConfig.defaults())
		val causes = mutableListOf<Throwable?>()
		breaker.addListener(object : CircuitBreakerListener {
			override fun onIgnored(breaker: CircuitBreaker, cause: Throwable?) {
				causes.add(cause)
			}
		})
		val answer: String? = breaker.execute<String?> { null }
		assertThat(answer).isNull()
		assertThat(breaker.executeAsync<String?> { CompletableFuture.completedFuture(null) }.join()).isNull()
		breaker.executeStream<String?> { Stream.of("a", null) }.use { stream ->
			assertThat(stream.toList()).containsExactly("a", null)
		}
		breaker.acquirePermission().close()
		assertThat(causes).containsExactly(null)
	}

	@Test
	fun `the plain Java primitives take null where they document it`() {
		val controller = BackpressureController(BackpressureConfig.defaults(), null)
		controller.admit(Priority.NORMAL).use { assertThat(controller.depth()).isEqualTo(1) }

		val unavailable = RateLimitStoreUnavailableException("store down", null, null)
		assertThat(unavailable.retryAfter()).isEqualTo(Duration.ZERO)
		assertThat(unavailable.cause).isNull()

		assertThat(RetryAfter.seconds(null)).isEqualTo(1)
		assertThat(RetryAfter.ceilSeconds(null)).isZero()

		val invalid = InvalidResiliencePropertyException("zeroclaw.resilience.rate-limit.window", null, "why", "fix")
		assertThat(declaredType(invalid.value)).isEqualTo(typeOf<Any?>())
		assertThat(invalid.value).isNull()
	}

	@Test
	fun `a policy registration takes a null key header and null methods, and never answers null methods`() {
		val policy = RateLimitPolicy("api", 10, Duration.ofSeconds(1), 0)
		val registration = RateLimitPolicyRegistration(policy, listOf("/api/**"), KeyType.IP, null,
			LocalRateLimiter(policy, 10), null)
		assertThat(declaredType(registration.keyHeader())).isEqualTo(typeOf<String?>())
		assertThat(registration.keyHeader()).isNull()
		assertThat(declaredType(registration.methods()).isMarkedNullable).isFalse()
		assertThat(registration.methods()).isEmpty()
		assertThat(registration.appliesTo("DELETE")).isTrue()
	}

	/** The static type the compiler inferred for an expression: `String?`, `String`, or the platform `String!`. */
	private inline fun <reified T> declaredType(@Suppress("UNUSED_PARAMETER") value: T): KType = typeOf<T>()

	/** The packages of the starter's own classes, wherever the build put them (a directory or a jar). */
	private fun starterPackages(): Set<String> {
		val location = ResilienceAutoConfiguration::class.java.protectionDomain.codeSource.location.toString()
		return PathMatchingResourcePatternResolver().getResources("classpath*:io/zeroclaw/resilience/**/*.class")
			.map { it.url.toString() }
			.filter { it.startsWith(location) || it.startsWith("jar:$location!/") }
			.map { it.substring(it.indexOf("io/zeroclaw/resilience/")).substringBeforeLast('/').replace('/', '.') }
			.toSortedSet()
	}

	private fun isNullMarked(packageName: String): Boolean =
		runCatching { Class.forName("$packageName.package-info") }.getOrNull()
			?.isAnnotationPresent(NullMarked::class.java) == true

	/** A Kotlin provider that says when it was called without instructions. */
	class PromptEchoProvider : Provider {

		override fun chatWithSystem(systemPrompt: String?, message: String, model: String, temperature: Double): String =
			"${systemPrompt ?: "no instructions"}: $message"

	}

}
