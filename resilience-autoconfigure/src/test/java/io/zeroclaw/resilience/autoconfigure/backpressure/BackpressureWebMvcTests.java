package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.web.ResilienceWebMvcAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A {@code LoadShedException} thrown by a {@code @Prioritized} service and escaping a Spring MVC handler becomes a 503
 * problem response.
 */
class BackpressureWebMvcTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, ResilienceWebMvcAutoConfiguration.class,
				JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
				WebMvcAutoConfiguration.class, DispatcherServletAutoConfiguration.class))
		.withUserConfiguration(WorkConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10");

	@Test
	void shedWorkShouldBeAnswered503WithRetryAfterAndAProblem() {
		this.runner.run((context) -> {
			MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
			BackpressureController controller = context.getBean(BackpressureController.class);
			Admission[] held = new Admission[7];
			for (int i = 0; i < held.length; i++) {
				held[i] = controller.admit(Priority.HIGH);
			}
			mvc.perform(post("/work").param("priority", "LOW"))
				.andExpect(status().isServiceUnavailable())
				.andExpect(header().string("Retry-After", "1"))
				.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
				.andExpect(jsonPath("$.status").value(503))
				.andExpect(jsonPath("$.type").value("tag:zeroclaw.io,2026:resilience/overloaded"))
				.andExpect(jsonPath("$.title").value("Overloaded"))
				.andExpect(jsonPath("$.detail").value("The service is shedding LOW work at queue depth 7."));
			mvc.perform(post("/work").param("priority", "HIGH"))
				.andExpect(status().isOk())
				.andExpect(content().string("8"));
			for (Admission admission : held) {
				admission.close();
			}
			assertThat(controller.depth()).isZero();
		});
	}

	@Test
	void workRefusedWhileShuttingDownShouldBeAnswered503SayingSo() {
		this.runner.run((context) -> {
			MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
			BackpressureController controller = context.getBean(BackpressureController.class);
			controller.stopAccepting();
			mvc.perform(post("/work").param("priority", "LOW"))
				.andExpect(status().isServiceUnavailable())
				.andExpect(header().string("Retry-After", "1"))
				.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
				.andExpect(jsonPath("$.type").value("tag:zeroclaw.io,2026:resilience/shutting-down"))
				.andExpect(jsonPath("$.title").value("Shutting down"))
				.andExpect(jsonPath("$.detail").value("The service is shutting down and no longer admits LOW work."));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class WorkConfiguration {

		@Bean
		Work work(BackpressureController controller) {
			return new Work(controller);
		}

		@Bean
		WorkController workController(Work work) {
			return new WorkController(work);
		}

	}

	public static class Work {

		private final BackpressureController controller;

		Work(BackpressureController controller) {
			this.controller = controller;
		}

		@Prioritized
		public int run(Priority priority) {
			return this.controller.depth();
		}

	}

	@RestController
	static class WorkController {

		private final Work work;

		WorkController(Work work) {
			this.work = work;
		}

		@PostMapping("/work")
		String work(@RequestParam Priority priority) {
			return Integer.toString(this.work.run(priority));
		}

	}

}
