package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.context.request.async.DeferredResult;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code @Prioritized} method returning one of Spring MVC's asynchronous types, called outside any request (by a
 * scheduled task, say): nothing processes that value asynchronously, so its slot is given back when it returns.
 */
class PrioritizedAsyncTypeOutsideARequestTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true")
		.withBean(Reports.class);

	@Test
	void deferredResultReturnedOutsideARequestShouldGiveItsSlotBackWhenTheMethodReturns() {
		this.runner.run((context) -> {
			DeferredResult<String> result = context.getBean(Reports.class).report();
			assertThat(result.hasResult()).isTrue();
			assertThat(context.getBean(BackpressureController.class).depth()).isZero();
		});
	}

	public static class Reports {

		@Prioritized(Priority.LOW)
		public DeferredResult<String> report() {
			DeferredResult<String> result = new DeferredResult<>();
			result.setResult("report");
			return result;
		}

	}

}
