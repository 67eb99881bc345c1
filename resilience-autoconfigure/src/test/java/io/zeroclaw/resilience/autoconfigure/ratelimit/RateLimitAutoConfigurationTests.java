package io.zeroclaw.resilience.autoconfigure.ratelimit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zeroclaw.resilience.autoconfigure.InvalidResiliencePropertyException;
import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.PathContainer;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

/**
 * Tests for {@link RateLimitAutoConfiguration}.
 */
@ExtendWith(OutputCaptureExtension.class)
class RateLimitAutoConfigurationTests {

	private static final String NOT_SERVLET_WARNING = "this is not a servlet web application";

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class));

	@Test
	void runWhenDisabledShouldNotCreateFilter() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(FilterRegistrationBean.class)
			.doesNotHaveBean(RateLimitPolicies.class)
			.doesNotHaveBean(RateLimiterFactory.class));
	}

	@Test
	void runWhenExplicitlyDisabledShouldNotCreateFilter() {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(FilterRegistrationBean.class));
	}

	@Test
	void runWhenEnabledShouldRegisterFilterBeforeSpringSecurity() {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true").run((context) -> {
			assertThat(context).hasSingleBean(FilterRegistrationBean.class).hasSingleBean(RateLimitPolicies.class);
			FilterRegistrationBean<?> registration = context.getBean(FilterRegistrationBean.class);
			assertThat(registration.getFilter()).isInstanceOf(RateLimitFilter.class);
			assertThat(registration.getOrder()).isEqualTo(RateLimitFilter.BEFORE_SECURITY_ORDER)
				.isLessThan(RateLimitFilter.SECURITY_FILTER_ORDER);
		});
	}

	@Test
	void runWithOnlyPrincipalKeyedPoliciesShouldRegisterOneFilterAfterSpringSecurity() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.key=principal",
					"zeroclaw.resilience.rate-limit.policies.me.paths=/me/**")
			.run((context) -> {
				assertThat(context).hasSingleBean(FilterRegistrationBean.class);
				assertThat(context.getBean(FilterRegistrationBean.class).getOrder())
					.isEqualTo(RateLimitFilter.AFTER_SECURITY_ORDER)
					.isGreaterThan(RateLimitFilter.SECURITY_FILTER_ORDER);
			});
	}

	@Test
	void runWithPrincipalAndOtherKeyedPoliciesShouldRegisterAFilterOnEachSideOfSpringSecurity() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.me.paths=/me/**",
					"zeroclaw.resilience.rate-limit.policies.me.key=principal")
			.run((context) -> {
				assertThat(context.getBean("rateLimitFilterRegistration", FilterRegistrationBean.class).getOrder())
					.isEqualTo(RateLimitFilter.BEFORE_SECURITY_ORDER);
				FilterRegistrationBean<?> principal = context.getBean("principalRateLimitFilterRegistration",
						FilterRegistrationBean.class);
				assertThat(principal.isEnabled()).isTrue();
				assertThat(principal.getOrder()).isEqualTo(RateLimitFilter.AFTER_SECURITY_ORDER);
			});
	}

	@Test
	void runWithSpringSecurityMovedShouldPlaceTheFiltersAroundIt() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true", "spring.security.filter.order=-50",
					"zeroclaw.resilience.rate-limit.policies.me.paths=/me/**",
					"zeroclaw.resilience.rate-limit.policies.me.key=principal")
			.run((context) -> {
				assertThat(context.getBean("rateLimitFilterRegistration", FilterRegistrationBean.class).getOrder())
					.isEqualTo(-60);
				assertThat(context.getBean("principalRateLimitFilterRegistration", FilterRegistrationBean.class)
					.getOrder()).isEqualTo(-40);
			});
	}

	@Test
	void runWithFilterOrderShouldUseIt() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.key=principal", "zeroclaw.resilience.rate-limit.filter-order=42")
			.run((context) -> assertThat(context.getBean(FilterRegistrationBean.class).getOrder()).isEqualTo(42));
	}

	@ParameterizedTest(name = "{0} {1} excludes {2}")
	@CsvSource(delimiter = '|', textBlock = """
			management.endpoints.web.base-path=/manage    | spring.mvc.servlet.path=/       | /manage/**
			management.endpoints.web.base-path=/ops/      | spring.mvc.servlet.path=/api    | /api/ops/**
			management.endpoints.web.base-path=/actuator  | spring.mvc.servlet.path=/api/   | /api/actuator/**
			management.endpoints.web.base-path=           | spring.mvc.servlet.path=/       | /actuator/**
			""")
	void defaultExclusionShouldFollowWhereActuatorLives(String basePath, String servletPath, String excluded) {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true", basePath, servletPath)
			.run((context) -> assertThat(context.getBean(RateLimitPolicies.class).excludePaths())
				.containsExactly(excluded));
	}

	@ParameterizedTest(name = "{0} {1} excludes {2}")
	@CsvSource(delimiter = '|', textBlock = """
			management.endpoint.health.probes.add-additional-paths=true | spring.mvc.servlet.path=/ | /actuator/**, /livez/**, /readyz/**
			management.endpoint.health.probes.add-additional-paths=true | spring.mvc.servlet.path=/api | /api/actuator/**, /api/livez/**, /api/readyz/**
			management.endpoint.health.group.liveness.additional-path=server:/healthz/ | management.endpoint.health.probes.add-additional-paths=true | /actuator/**, /healthz/**, /readyz/**
			management.endpoint.health.group.ops.additional-path=management:/ops | management.server.port=9090 | /actuator/**
			management.endpoint.health.group.ops.additional-path=management:/ops | server.port=8080 | /actuator/**, /ops/**
			management.endpoint.health.probes.add-additional-paths=false | management.endpoints.web.base-path=/ | /actuator/**
			""")
	void defaultExclusionShouldCoverTheHealthGroupsOnTheMainServer(String first, String second, String excluded) {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true", first, second)
			.run((context) -> assertThat(context.getBean(RateLimitPolicies.class).excludePaths())
				.containsExactly(excluded.split(", ")));
	}

	@Test
	void configuredExclusionShouldBeKeptWhereverHealthGroupsAnswer() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"management.endpoint.health.probes.add-additional-paths=true",
					"zeroclaw.resilience.rate-limit.exclude-paths=/status")
			.run((context) -> assertThat(context.getBean(RateLimitPolicies.class).excludePaths())
				.containsExactly("/status"));
	}

	@Test
	void configuredExclusionShouldBeKeptWhereverActuatorLives() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"management.endpoints.web.base-path=/manage", "zeroclaw.resilience.rate-limit.exclude-paths=/status")
			.run((context) -> assertThat(context.getBean(RateLimitPolicies.class).excludePaths())
				.containsExactly("/status"));
	}

	@Test
	void exclusionSetToTheDefaultExplicitlyShouldBeKeptWhereverActuatorLives() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"management.endpoints.web.base-path=/manage",
					"zeroclaw.resilience.rate-limit.exclude-paths=/actuator/**")
			.run((context) -> assertThat(context.getBean(RateLimitPolicies.class).excludePaths())
				.containsExactly("/actuator/**"));
	}

	@Test
	void requestsToAMovedActuatorShouldNotBeLimited() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
					"management.endpoints.web.base-path=/manage")
			.run((context) -> {
				MockMvc mvc = filtered(context);
				for (int i = 0; i < 3; i++) {
					assertThat(mvc.perform(get("/manage/health")).andReturn().getResponse().getHeader("RateLimit"))
						.isNull();
				}
				mvc.perform(get("/anything"));
				assertThat(mvc.perform(get("/anything")).andReturn().getResponse().getStatus()).isEqualTo(429);
			});
	}

	@ParameterizedTest(name = "ipv6-prefix-length={0}: the second address of a /64 is refused: {1}")
	@CsvSource({ "64, true", "128, false", "48, true" })
	void ipv6PrefixLengthShouldDecideWhichAddressesAreOneClient(int prefixLength, boolean shared) {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0",
					"zeroclaw.resilience.rate-limit.ipv6-prefix-length=" + prefixLength)
			.run((context) -> {
				MockMvc mvc = filtered(context);
				assertThat(status(mvc, "2001:db8:5:1::1")).isNotEqualTo(429);
				assertThat(status(mvc, "2001:db8:5:1::2")).isEqualTo(shared ? 429 : 404);
			});
	}

	/** The context's MVC behind the starter's rate-limit filter. */
	private static MockMvc filtered(ApplicationContext context) {
		Filter filter = context.getBean(FilterRegistrationBean.class).getFilter();
		return MockMvcBuilders.webAppContextSetup((WebApplicationContext) context).addFilters(filter).build();
	}

	private static int status(MockMvc mvc, String address) throws Exception {
		return mvc.perform(get("/anything").with((request) -> {
			request.setRemoteAddr(address);
			return request;
		})).andReturn().getResponse().getStatus();
	}

	@Test
	void runInANonWebApplicationShouldCreatePoliciesButNoFilterAndSaySo(CapturedOutput output) {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(RateLimitPolicies.class)
				.doesNotHaveBean(FilterRegistrationBean.class));
		assertThat(output).contains("WARN").contains(NOT_SERVLET_WARNING);
	}

	@Test
	void runWithoutSpringWebShouldBackOffAndSaySoRatherThanFailToStart(CapturedOutput output) {
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader("org.springframework.web."))
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(RateLimitPolicies.class)
				.doesNotHaveBean(RateLimiterFactory.class));
		assertThat(output).contains("WARN")
			.contains("zeroclaw.resilience.rate-limit.enabled is true, but Spring Web is not on the classpath")
			.doesNotContain(NOT_SERVLET_WARNING);
	}

	@Test
	void runWithoutSpringWebAndRateLimitingOffShouldSayNothing(CapturedOutput output) {
		new ApplicationContextRunner().withClassLoader(new FilteredClassLoader("org.springframework.web."))
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain("Spring Web is not on the classpath");
	}

	@Test
	void runInAReactiveApplicationShouldRegisterNoFilterAndSaySo(CapturedOutput output) {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, RateLimitAutoConfiguration.class))
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(FilterRegistrationBean.class));
		assertThat(output).contains(NOT_SERVLET_WARNING);
	}

	@Test
	void servletApplicationShouldNotWarnAboutAMissingFilter(CapturedOutput output) {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(FilterRegistrationBean.class));
		assertThat(output).doesNotContain(NOT_SERVLET_WARNING);
	}

	@Test
	void policiesShouldListNamedPoliciesInDeclarationOrderThenTheDefault() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=100",
					"zeroclaw.resilience.rate-limit.max-keys=7",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
					"zeroclaw.resilience.rate-limit.policies.webhook.requests-per-window=5",
					"zeroclaw.resilience.rate-limit.policies.webhook.burst=0",
					"zeroclaw.resilience.rate-limit.policies.api.paths=/api/**",
					"zeroclaw.resilience.rate-limit.policies.api.key=header",
					"zeroclaw.resilience.rate-limit.policies.api.window=1s")
			.run((context) -> {
				RateLimitPolicies policies = context.getBean(RateLimitPolicies.class);
				assertThat(policies.all()).extracting(RateLimitPolicyRegistration::name)
					.containsExactly("webhook", "api", "default");
				RateLimitPolicyRegistration webhook = policies.find("webhook").orElseThrow();
				assertThat(webhook.policy().capacity()).isEqualTo(5);
				assertThat(webhook.paths()).containsExactly("/webhook");
				assertThat(webhook.key()).isEqualTo(KeyType.IP);
				assertThat(webhook.limiter()).isInstanceOf(LocalRateLimiter.class);
				RateLimitPolicyRegistration api = policies.find("api").orElseThrow();
				assertThat(api.policy().capacity()).isEqualTo(110);
				assertThat(api.policy().window()).hasSeconds(1);
				assertThat(api.key()).isEqualTo(KeyType.HEADER);
				assertThat(api.keyHeader()).isEqualTo("X-API-Key");
				assertThat(policies.defaultPolicy().paths()).containsExactly("/**");
				assertThat(policies.excludePaths()).containsExactly("/actuator/**");
				assertThat(api.trackedKeys()).hasValue(0);
			});
	}

	@Test
	void userRateLimiterFactoryShouldReplaceTheMemoryOne() {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.withUserConfiguration(CustomFactoryConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(RateLimiterFactory.class);
				RateLimitPolicyRegistration policy = context.getBean(RateLimitPolicies.class).defaultPolicy();
				assertThat(policy.limiter()).isSameAs(CustomFactoryConfiguration.LIMITER);
				assertThat(policy.trackedKeys()).isEmpty();
			});
	}

	@Test
	void policyNamedDefaultShouldFailStartUp() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.default.paths=/x")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidResiliencePropertyException.class)
				.hasMessageContaining("zeroclaw.resilience.rate-limit.policies.default"));
	}

	@Test
	void invalidPathPatternShouldFailStartUpNamingTheProperty() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.bad.paths=/api/{id")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidResiliencePropertyException.class)
				.hasMessageContaining("zeroclaw.resilience.rate-limit.policies.bad.paths[0]"));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "/api/v1/.*", "^/orders", "/api/(v1|v2)/users", ".*", "/orders/\\d+", "/items/.+",
			"/users/[0-9]+", "/api/v[12]/orders", "/api/v1/[^/]+", "/api/.*/users", "/api/v1(/.*)?", "/api/v1/(.*)",
			"(?i)/api/**", "/api/v1|/api/v2", "/static/.*", "/api/v1(/.*)", "(/api/.*)", "/api/v1/users(/.+)", ".*.js",
			"/static/.*.css", "/api/.*json", "/api/(?:v1)/users" })
	void regularExpressionAsAPathShouldFailStartUpRatherThanLimitNothing(String regex) {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.api.paths[0]=" + regex)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidResiliencePropertyException.class)
				.hasMessageContaining("zeroclaw.resilience.rate-limit.policies.api.paths[0]")
				.hasMessageContaining("regular expression"));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "/items/{id:\\d+}", "/files/{name:[a-z]+\\.(png|jpg)}", "/api/v1/**",
			"/odata/Products(1)", "/price/{amount:.*}", "/files/*.*", "/reports/{name}.*", "/orders.*", "/orders/?",
			"/static/.{name}", "/x/{a}-{b}", "/files/{*rest}", "/odata/$metadata", "/a/b+", "/downloads/*(?).zip",
			"/wiki/*_(.NET)", "/wiki/*_(film)*", "/odata/Products(*)*", "/files/{name}$", "/orders$",
			"/.well-known/**", "/models/*:predict", "/odata/Products(1)/Orders", "/wiki/Rust_(language" })
	void pathPatternWithARegularExpressionInAVariableShouldStart(String pattern) {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.api.paths[0]=" + pattern)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void resolverShouldExemptARequestByReturningTheUnlimitedConstantItself() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0")
			.withBean(RateLimitKeyResolver.class, () -> (request, policy) -> {
				if ("trusted".equals(request.getHeader("X-Caller"))) {
					return RateLimitKeyResolver.UNLIMITED;
				}
				// a client-chosen value equal to the constant's text is a key like any other
				return request.getHeader("X-Key");
			})
			.run((context) -> {
				MockMvc mvc = filtered(context);
				for (int i = 0; i < 3; i++) {
					var response = mvc.perform(get("/anything").header("X-Caller", "trusted")).andReturn().getResponse();
					assertThat(response.getStatus()).isEqualTo(404);
					assertThat(response.getHeader("RateLimit")).isNull();
				}
				String lookalike = "zeroclaw:" + "unlimited";
				assertThat(mvc.perform(get("/anything").header("X-Key", lookalike)).andReturn().getResponse()
					.getStatus()).isEqualTo(404);
				assertThat(mvc.perform(get("/anything").header("X-Key", lookalike)).andReturn().getResponse()
					.getStatus()).isEqualTo(429);
			});
	}

	@Test
	void dotFilesSpelledAsTheRefusalSuggestsShouldBeMatched() {
		// the refusal of /static/.* points at .{name}
		PathPattern pattern = PathPatternParser.defaultInstance.parse("/static/.{name}");
		assertThat(pattern.matches(PathContainer.parsePath("/static/.env"))).isTrue();
		assertThat(pattern.matches(PathContainer.parsePath("/static/app.js"))).isFalse();
	}

	@Test
	void twoKeyResolversWithoutAPrimaryShouldFailStartUpRatherThanBeIgnored() {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.withBean("byTenant", RateLimitKeyResolver.class, () -> (request, policy) -> request.getHeader("X-Tenant"))
			.withBean("byUser", RateLimitKeyResolver.class, () -> (request, policy) -> request.getRemoteUser())
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(NoUniqueBeanDefinitionException.class)
				.hasMessageContaining("byTenant")
				.hasMessageContaining("byUser"));
	}

	@Test
	void twoRejectionHandlersWithoutAPrimaryShouldFailStartUpRatherThanBeIgnored() {
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.withBean("plain", RateLimitRejectionHandler.class,
					() -> (request, response, policy, problem) -> response.getWriter().write("slow down"))
			.withBean("json", RateLimitRejectionHandler.class,
					() -> (request, response, policy, problem) -> response.getWriter().write("{}"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(NoUniqueBeanDefinitionException.class)
				.hasMessageContaining("plain")
				.hasMessageContaining("json"));
	}

	@Test
	void emptyPathPatternShouldFailStartUpNamingTheProperty() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook,")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidResiliencePropertyException.class)
				.hasMessageContaining("zeroclaw.resilience.rate-limit.policies.webhook.paths[1]"));
	}

	@Test
	void metricsShouldBeRegisteredForEveryPolicyUpFront() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook")
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				for (String policy : new String[] { "webhook", "default" }) {
					for (String outcome : new String[] { "allowed", "rejected", "error" }) {
						assertThat(registry.get(RateLimitMetrics.REQUESTS)
							.tag("policy", policy)
							.tag("outcome", outcome)
							.counter()
							.count()).isZero();
					}
					assertThat(registry.get(RateLimitMetrics.KEYS).tag("policy", policy).gauge().value()).isZero();
				}
			});
	}

	@Test
	void closingTheContextShouldRemoveItsGaugesFromARegistryThatOutlivesIt() {
		SimpleMeterRegistry shared = new SimpleMeterRegistry();
		this.runner.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true")
			.withBean(MeterRegistry.class, () -> shared)
			.run((context) -> assertThat(shared.find(RateLimitMetrics.KEYS).gauges()).hasSize(1));
		assertThat(shared.find(RateLimitMetrics.KEYS).gauges()).isEmpty();
	}

	@Test
	void defaultPolicyWithoutPathsShouldBeLeftOutOfTheListedPoliciesAndTheMetrics() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.include-paths=",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook")
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> {
				RateLimitPolicies policies = context.getBean(RateLimitPolicies.class);
				assertThat(policies.defaultPolicy().paths()).isEmpty();
				assertThat(policies.all()).extracting(RateLimitPolicyRegistration::name).containsExactly("webhook");
				assertThat(policies.find(RateLimitPolicies.DEFAULT_POLICY)).contains(policies.defaultPolicy());
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.find(RateLimitMetrics.KEYS).tag("policy", "webhook").gauge()).isNotNull();
				assertThat(registry.find(RateLimitMetrics.KEYS).tag("policy", "default").gauge()).isNull();
				assertThat(registry.find(RateLimitMetrics.REQUESTS).tag("policy", "default").counters()).isEmpty();
			});
	}

	@Test
	void principalKeyOfADefaultPolicyWithoutPathsShouldNotMoveTheFilterBehindSecurity() {
		this.runner
			.withPropertyValues("zeroclaw.resilience.rate-limit.enabled=true",
					"zeroclaw.resilience.rate-limit.include-paths=", "zeroclaw.resilience.rate-limit.key=principal",
					"zeroclaw.resilience.rate-limit.policies.webhook.paths=/webhook",
					"zeroclaw.resilience.rate-limit.policies.webhook.key=ip")
			.run((context) -> assertThat(context.getBean(FilterRegistrationBean.class).getOrder())
				.isEqualTo(RateLimitFilter.BEFORE_SECURITY_ORDER));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomFactoryConfiguration {

		static final RateLimiter LIMITER = (key, permits) -> new RateLimitDecision(true, 1, 0,
				java.time.Duration.ZERO, java.time.Duration.ZERO);

		@Bean
		RateLimiterFactory customFactory() {
			return (policy, maxKeys) -> LIMITER;
		}

	}

}
