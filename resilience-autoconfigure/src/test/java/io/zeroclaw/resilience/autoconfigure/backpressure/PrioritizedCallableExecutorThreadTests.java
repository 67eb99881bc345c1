package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.web.ResilienceWebMvcAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The body of a {@code @Prioritized} handler's {@code Callable} runs as admitted work on the application's task
 * executor; once it has ended, that executor thread's later work is new work again, admitted on its own.
 */
class PrioritizedCallableExecutorThreadTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, ResilienceWebMvcAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class, JacksonAutoConfiguration.class,
				HttpMessageConvertersAutoConfiguration.class, WebMvcAutoConfiguration.class,
				DispatcherServletAutoConfiguration.class))
		.withUserConfiguration(ReportConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.task.execution.pool.core-size=1");

	@Test
	void prioritizedCallOnTheExecutorThreadAfterACallableEndedShouldBeAdmitted() {
		this.runner.run((context) -> {
			MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
			MvcResult started = mvc.perform(get("/report")).andExpect(request().asyncStarted()).andReturn();
			mvc.perform(asyncDispatch(started)).andExpect(status().isOk()).andExpect(content().string("report"));
			BackpressureController controller = context.getBean(BackpressureController.class);
			Pricing pricing = context.getBean(Pricing.class);
			AsyncTaskExecutor executor = context.getBean("applicationTaskExecutor", AsyncTaskExecutor.class);
			// the executor has a single thread: the one that ran the Callable's body
			Future<Integer> depth = executor.submit(pricing::depthWhileRunning);
			assertThat(depth.get(10, TimeUnit.SECONDS)).as("depth seen by a later @Prioritized call").isEqualTo(1);
			assertThat(controller.depth()).isZero();
		});
	}

	@RestController
	public static class Reports {

		@GetMapping("/report")
		@Prioritized(Priority.LOW)
		public Callable<String> report() {
			return () -> "report";
		}

	}

	public static class Pricing {

		private final BackpressureController controller;

		Pricing(BackpressureController controller) {
			this.controller = controller;
		}

		@Prioritized(Priority.LOW)
		public int depthWhileRunning() {
			return this.controller.depth();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ReportConfiguration {

		@Bean
		Reports reports() {
			return new Reports();
		}

		@Bean
		Pricing pricing(BackpressureController controller) {
			return new Pricing(controller);
		}

	}

}
