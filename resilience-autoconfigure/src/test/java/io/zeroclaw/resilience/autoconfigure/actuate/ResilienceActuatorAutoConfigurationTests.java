package io.zeroclaw.resilience.autoconfigure.actuate;

import java.time.Duration;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.PolicyDescriptor;
import io.zeroclaw.resilience.autoconfigure.actuate.ResilienceEndpoint.ResilienceDescriptor;
import io.zeroclaw.resilience.autoconfigure.backpressure.BackpressureAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.CircuitBreakerAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitKeyResolver;
import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimitPolicies;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitState;
import io.zeroclaw.resilience.provider.Provider;
import jakarta.servlet.Filter;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class ResilienceActuatorAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class,
				CircuitBreakerAutoConfiguration.class, BackpressureAutoConfiguration.class,
				ResilienceActuatorAutoConfiguration.class))
		.withUserConfiguration(ProviderConfiguration.class)
		.withPropertyValues("management.endpoints.web.exposure.include=health,resilience");

	@Test
	void runWithNothingEnabledShouldNotCreateTheEndpointOrHealth() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ResilienceEndpoint.class)
			.doesNotHaveBean(ResilienceHealthIndicator.class));
	}

	@Test
	void runWithoutActuatorShouldNotCreateTheEndpoint() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ResilienceEndpoint.class));
	}

	@Test
	void runWithEndpointAccessNoneShouldNotCreateTheEndpoint() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"management.endpoint.resilience.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(ResilienceEndpoint.class)
				.doesNotHaveBean(ResilienceEndpointWebExtension.class));
	}

	@Test
	void runWithEndpointNotExposedShouldNotCreateTheEndpoint() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).doesNotHaveBean(ResilienceEndpoint.class)
				.hasSingleBean(ResilienceHealthIndicator.class));
	}

	@Test
	void endpointShouldShowEachEnabledProtection() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.backpressure.enabled=true", "zeroclaw.resilience.backpressure.max-queue-depth=10")
			.run((context) -> {
				context.getBean("llm", Provider.class).simpleChat("hi", "m", 0.0);
				ResilienceDescriptor view = context.getBean(ResilienceEndpoint.class).resilience();
				assertThat(view.rateLimit().enabled()).isFalse();
				assertThat(view.rateLimit().policies()).isEmpty();
				assertThat(view.circuitBreakers()).containsOnlyKeys("llm");
				assertThat(view.circuitBreakers().get("llm").state()).isEqualTo(CircuitState.CLOSED);
				assertThat(view.backpressure().enabled()).isTrue();
				assertThat(view.backpressure().maxQueueDepth()).isEqualTo(10);
				assertThat(view.backpressure().limits()).containsEntry("BACKGROUND", 5).containsEntry("HIGH", 10);
			});
	}

	@Test
	void endpointShouldSayWhetherTheFilterAppliesThePolicies() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true").run((context) -> {
			ResilienceDescriptor view = context.getBean(ResilienceEndpoint.class).resilience();
			assertThat(view.rateLimit().enabled()).isTrue();
			assertThat(view.rateLimit().filter()).isTrue();
		});
		// outside a servlet web application the policies exist for the application's own calls, and limit no request
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
					RateLimitAutoConfiguration.class, ResilienceActuatorAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=resilience",
					"zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> {
				ResilienceDescriptor view = context.getBean(ResilienceEndpoint.class).resilience();
				assertThat(view.rateLimit().enabled()).isTrue();
				assertThat(view.rateLimit().filter()).isFalse();
				assertThat(view.rateLimit().policies()).containsKey("default");
			});
		// the application's registration in place of the starter's, switched off as Spring Boot's are
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.withBean("rateLimitFilterRegistration", FilterRegistrationBean.class, () -> {
				FilterRegistrationBean<Filter> off = new FilterRegistrationBean<>(
						(request, response, chain) -> chain.doFilter(request, response));
				off.setEnabled(false);
				return off;
			})
			.run((context) -> assertThat(context.getBean(ResilienceEndpoint.class).resilience().rateLimit().filter())
				.isFalse());
	}

	@Test
	void endpointShouldShowEachPolicysConfiguredKeyType() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
					"zeroclaw.resilience.rate-limit.policies.api.key=header")
			.run((context) -> {
				ResilienceDescriptor view = context.getBean(ResilienceEndpoint.class).resilience();
				assertThat(view.rateLimit().policies().get("api").key()).isEqualTo("header");
				assertThat(view.rateLimit().policies().get("default").key()).isEqualTo("ip");
			});
	}

	@Test
	void endpointShouldShowAWindowThatIsNotWholeSecondsExactlyBesideItsRoundedSeconds() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.fast.paths=/fast/**",
					"zeroclaw.resilience.rate-limit.policies.fast.requests-per-window=1",
					"zeroclaw.resilience.rate-limit.policies.fast.window=100ms",
					"zeroclaw.resilience.rate-limit.policies.fast.burst=0")
			.run((context) -> {
				ResilienceDescriptor view = context.getBean(ResilienceEndpoint.class).resilience();
				PolicyDescriptor fast = view.rateLimit().policies().get("fast");
				// 1 per 100 ms is 10 a second: the window itself says so, the whole seconds of the header cannot
				assertThat(fast.requestsPerWindow()).isEqualTo(1);
				assertThat(Duration.parse(fast.window())).isEqualTo(Duration.ofMillis(100));
				assertThat(fast.windowSeconds()).isEqualTo(1);
				assertThat(view.rateLimit().policies().get("default").window()).isEqualTo("PT1M");
				assertThat(view.rateLimit().policies().get("default").windowSeconds()).isEqualTo(60);
			});
	}

	@Test
	void runWithOnlyRateLimitingShouldHaveTheEndpointButNoHealthContributor() {
		// The contributor reports on breakers alone, as the README says.
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(ResilienceEndpoint.class)
				.doesNotHaveBean(ResilienceHealthIndicator.class));
	}

	@Test
	void endpointShouldShowTheResolverAsTheKeyOfEveryPolicyWhenOneKeysRequests() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
					"zeroclaw.resilience.rate-limit.policies.api.key=header")
			.withBean(RateLimitKeyResolver.class, () -> (request, policy) -> request.getHeader("X-Tenant"))
			.run((context) -> {
				ResilienceDescriptor view = context.getBean(ResilienceEndpoint.class).resilience();
				assertThat(view.rateLimit().policies()).containsOnlyKeys("api", "default");
				assertThat(view.rateLimit().policies().values()).extracting(PolicyDescriptor::key)
					.containsOnly(PolicyDescriptor.RESOLVER_KEY);
			});
	}

	@Test
	void rateLimitingShouldShowAsOnWhenItsPoliciesRunWhateverThePropertySaysNow() {
		// as in an application processed ahead of time with rate limiting on, then started with it off
		this.contextRunner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true").run((context) -> {
			ResilienceProperties switchedOff = new ResilienceProperties();
			switchedOff.getRateLimit().setEnabled(false);
			ResilienceEndpoint endpoint = new ResilienceEndpoint(switchedOff,
					context.getBeanProvider(RateLimitPolicies.class), context.getBeanProvider(RateLimitKeyResolver.class),
					context.getBeanProvider(CircuitBreakerRegistry.class),
					context.getBeanProvider(BackpressureController.class));
			assertThat(endpoint.resilience().rateLimit().enabled()).isTrue();
			assertThat(endpoint.resilience().rateLimit().policies()).containsOnlyKeys("default");
		});
	}

	@Test
	void writeOperationShouldForceABreakerAndAnswerNotFoundForAnUnknownOne() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true").run((context) -> {
			ResilienceEndpointWebExtension extension = context.getBean(ResilienceEndpointWebExtension.class);
			CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
			assertThat(extension.forceState("llm", "OPEN").getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
			assertThat(registry.find("llm").orElseThrow().state()).isEqualTo(CircuitState.OPEN);
			assertThat(extension.forceState("llm", "closed").getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
			assertThat(registry.find("llm").orElseThrow().state()).isEqualTo(CircuitState.CLOSED);
			assertThat(extension.forceState("other", "OPEN").getStatus())
				.isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND);
			assertThat(extension.forceState("llm", "AJAR").getStatus())
				.isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
			// what a Resilience4j runbook sends: the answer says what OPEN does instead
			assertThat(extension.forceState("llm", "FORCED_OPEN").getBody()).asString()
				.contains("not 'FORCED_OPEN'")
				.contains("half-opens after its recovery-timeout");
			assertThat(extension.forceState("llm", null).getStatus()).isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
			assertThat(registry.find("llm").orElseThrow().state()).isEqualTo(CircuitState.CLOSED);
		});
	}

	@Test
	void readingOneBreakerOverHttpShouldAnswerAnUnknownOneWithAProblem() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true").run((context) -> {
			ResilienceEndpointWebExtension extension = context.getBean(ResilienceEndpointWebExtension.class);
			WebEndpointResponse<Object> known = extension.breaker("llm");
			assertThat(known.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
			assertThat(known.getBody()).isInstanceOf(ResilienceEndpoint.BreakerDescriptor.class);
			WebEndpointResponse<Object> unknown = extension.breaker("other");
			assertThat(unknown.getStatus()).isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND);
			assertThat(unknown.getContentType()).hasToString("application/problem+json");
			assertThat(unknown.getBody()).asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsEntry("detail", "There is no circuit breaker named 'other'.")
				.doesNotContainKey("type");
			// a client gets back no more of what it sent than of an unknown state
			String longName = "a".repeat(3000);
			for (WebEndpointResponse<Object> answer : List.of(extension.breaker(longName),
					extension.forceState(longName, "OPEN"))) {
				assertThat(answer.getStatus()).isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND);
				assertThat(answer.getBody()).asInstanceOf(InstanceOfAssertFactories.MAP)
					.containsEntry("detail", "There is no circuit breaker named '" + "a".repeat(64) + "...'.");
			}
		});
	}

	@Test
	void problemShouldNameTheRequestItAnswersAsItsInstance() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true").run((context) -> {
			ResilienceEndpointWebExtension extension = context.getBean(ResilienceEndpointWebExtension.class);
			// called outside a request: no instance to name
			assertThat(extension.breaker("other").getBody()).asInstanceOf(InstanceOfAssertFactories.MAP)
				.doesNotContainKey("instance");
			try {
				RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(
						new MockHttpServletRequest("POST", "/management/resilience/other")));
				assertThat(extension.forceState("other", "OPEN").getBody())
					.asInstanceOf(InstanceOfAssertFactories.MAP)
					.containsEntry("instance", "/management/resilience/other");
				assertThat(extension.forceState("llm", "AJAR").getBody()).asInstanceOf(InstanceOfAssertFactories.MAP)
					.containsEntry("instance", "/management/resilience/other");
				// a path java.net.URI refuses, which a container may let through, is left out
				RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(
						new MockHttpServletRequest("GET", "/actuator/resilience/a b")));
				assertThat(extension.breaker("a b").getBody()).asInstanceOf(InstanceOfAssertFactories.MAP)
					.containsEntry("status", 404)
					.doesNotContainKey("instance");
			}
			finally {
				RequestContextHolder.resetRequestAttributes();
			}
		});
	}

	@Test
	void forcingABreakerShouldSayWhoForcedIt(CapturedOutput output) {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true").run((context) -> {
			ResilienceEndpointWebExtension extension = context.getBean(ResilienceEndpointWebExtension.class);
			extension.forceState("llm", " open ");
			assertThat(output).contains("Circuit breaker 'llm' is being forced OPEN through the resilience endpoint");
			extension.forceState("llm", "AJAR");
			assertThat(output).doesNotContain("forced AJAR");
		});
	}

	@Test
	void openBreakerShouldKeepHealthUpByDefault() {
		this.contextRunner.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true").run((context) -> {
			context.getBean(CircuitBreakerRegistry.class).find("llm").orElseThrow().transitionToOpen();
			Health health = context.getBean(ResilienceHealthIndicator.class).health(true);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsKey("circuitBreakers");
			assertThat(health.getDetails().get("circuitBreakers").toString()).contains("llm").contains("OPEN");
		});
	}

	@Test
	void openBreakerShouldTakeHealthDownWhenConfigured() {
		this.contextRunner
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
					"zeroclaw.resilience.circuit-breaker.health-down-when-open=true")
			.run((context) -> {
				ResilienceHealthIndicator indicator = context.getBean(ResilienceHealthIndicator.class);
				assertThat(indicator.health(true).getStatus()).isEqualTo(Status.UP);
				context.getBean(CircuitBreakerRegistry.class).find("llm").orElseThrow().transitionToOpen();
				assertThat(indicator.health(true).getStatus()).isEqualTo(Status.DOWN);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class ProviderConfiguration {

		@Bean
		Provider llm() {
			return (system, message, model, temperature) -> "ok";
		}

	}

}
