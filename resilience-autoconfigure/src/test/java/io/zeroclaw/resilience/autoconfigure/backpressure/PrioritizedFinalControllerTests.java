package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.web.ResilienceWebMvcAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A controller whose class cannot be subclassed, with a {@code @Prioritized} handler method, could only be proxied by
 * its interfaces, in which Spring MVC finds no controller unless one of them is annotated as one: start-up says so
 * rather than every endpoint answering 404. The same controller answers with load shedding off.
 */
class PrioritizedFinalControllerTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, ResilienceWebMvcAutoConfiguration.class,
				JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
				WebMvcAutoConfiguration.class, DispatcherServletAutoConfiguration.class));

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void finalControllerWithAPrioritizedHandlerShouldFailStartUpNamingItRatherThanAnswer404(boolean backpressure) {
		this.runner.withUserConfiguration(OrdersConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=" + backpressure)
			.run((context) -> {
				if (backpressure) {
					// only a proxy of its interfaces could admit its calls, and Spring MVC finds no controller in one
					assertThat(context.getStartupFailure()).rootCause()
						.hasMessageContaining("Bean 'orders' is a controller with @Prioritized methods")
						.hasMessageContaining("every endpoint of the bean would answer 404")
						.hasMessageContaining("Make the class non-final");
					return;
				}
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				mvc.perform(get("/orders/count")).andExpect(status().isOk()).andExpect(content().string("3"));
			});
	}

	@Test
	void finalControllerDeclaredOnItsInterfaceShouldStartAndBeServedThroughItsInterfaceProxy() {
		// Spring MVC looks for @Controller on the bean's type, interfaces included, so it finds this one in the proxy
		this.runner.withUserConfiguration(AnnotatedApiConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(AopUtils.isJdkDynamicProxy(context.getBean("annotatedOrders"))).isTrue();
				MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
				mvc.perform(get("/annotated/orders/count")).andExpect(status().isOk()).andExpect(content().string("3"));
			});
	}

	public interface OrdersApi {

		@GetMapping("/orders/count")
		String count();

	}

	@RestController
	public static final class Orders implements OrdersApi {

		@Override
		@Prioritized(Priority.LOW)
		public String count() {
			return "3";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OrdersConfiguration {

		@Bean
		Orders orders() {
			return new Orders();
		}

	}

	@RestController
	public interface AnnotatedOrdersApi {

		@GetMapping("/annotated/orders/count")
		String count();

	}

	public static final class AnnotatedOrders implements AnnotatedOrdersApi {

		@Override
		@Prioritized(Priority.LOW)
		public String count() {
			return "3";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AnnotatedApiConfiguration {

		@Bean
		AnnotatedOrders annotatedOrders() {
			return new AnnotatedOrders();
		}

	}

}
