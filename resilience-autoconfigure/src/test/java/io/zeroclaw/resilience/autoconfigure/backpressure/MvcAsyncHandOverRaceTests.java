package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.backpressure.Admission;
import jakarta.servlet.AsyncEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.StandardServletAsyncWebRequest;
import org.springframework.web.context.request.async.WebAsyncManager;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MvcAsyncHandOver} for a {@code Callable} whose task has been picked up by a worker but has not reached the
 * hand-over's {@code preProcess} when the request times out: cancelling a running task does not stop it, so the
 * request's completion and the body's end both come, from two threads.
 */
class MvcAsyncHandOverRaceTests {

	@AfterEach
	void resetRequestAttributes() {
		RequestContextHolder.resetRequestAttributes();
	}

	@Test
	void callableBodyEndingWhileTheRequestsCompletionGivesTheSlotBackDoesNotCloseTheAdmissionASecondTime()
			throws Exception {
		AtomicInteger closes = new AtomicInteger();
		CountDownLatch firstClosing = new CountDownLatch(1);
		CountDownLatch firstMayEnd = new CountDownLatch(1);
		Admission admission = () -> {
			if (closes.incrementAndGet() == 1) {
				firstClosing.countDown();
				awaitUninterruptibly(firstMayEnd);
			}
		};
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/report");
		request.setAsyncSupported(true);
		MockHttpServletResponse response = new MockHttpServletResponse();
		Reports reports = new Reports();
		Method method = Reports.class.getMethod("report");
		request.setAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE, new HandlerMethod(reports, method));
		ServletRequestAttributes attributes = new ServletRequestAttributes(request, response);
		RequestContextHolder.setRequestAttributes(attributes);
		StandardServletAsyncWebRequest asyncRequest = new StandardServletAsyncWebRequest(request, response);
		WebAsyncManager asyncManager = WebAsyncUtils.getAsyncManager(request);
		asyncManager.setAsyncWebRequest(asyncRequest);
		asyncManager.setTaskExecutor(new SimpleAsyncTaskExecutor("callable-"));
		// An interceptor registered before the handler ran (as Spring Security's is) holds the worker between the
		// start of the task and the hand-over's preProcess, where a preempted thread could be as well.
		CountDownLatch workerStarted = new CountDownLatch(1);
		CountDownLatch workerMayGoOn = new CountDownLatch(1);
		CountDownLatch workerDone = new CountDownLatch(1);
		asyncManager.registerCallableInterceptor("ahead", new CallableProcessingInterceptor() {

			@Override
			public <T> void preProcess(NativeWebRequest webRequest, Callable<T> task) {
				workerStarted.countDown();
				awaitUninterruptibly(workerMayGoOn);
			}

			@Override
			public <T> void postProcess(NativeWebRequest webRequest, Callable<T> task, Object result) {
				workerDone.countDown();
			}

		});
		Callable<String> body = reports.report();
		assertThat(MvcAsyncHandOver.handOver(method, reports, body, admission)).isTrue();
		asyncManager.startCallableProcessing(body);
		attributes.requestCompleted();
		assertThat(closes).as("closes when the handling thread is done").hasValue(0);
		assertThat(workerStarted.await(10, TimeUnit.SECONDS)).isTrue();
		// the request times out (the running task is cancelled, to no effect), then completes on a container thread
		asyncRequest.onTimeout(new AsyncEvent(request.getAsyncContext()));
		Thread container = new Thread(() -> {
			try {
				asyncRequest.onComplete(new AsyncEvent(request.getAsyncContext()));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		container.start();
		assertThat(firstClosing.await(10, TimeUnit.SECONDS)).isTrue();
		// the completion is giving the slot back; meanwhile the worker goes on, runs the body and ends
		workerMayGoOn.countDown();
		assertThat(workerDone.await(10, TimeUnit.SECONDS)).isTrue();
		int closesWhileTheFirstRan = closes.get();
		firstMayEnd.countDown();
		container.join(TimeUnit.SECONDS.toMillis(10));
		assertThat(closesWhileTheFirstRan).as("closes begun while the first was under way").isEqualTo(1);
		assertThat(closes).hasValue(1);
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		boolean interrupted = false;
		try {
			for (;;) {
				try {
					latch.await(10, TimeUnit.SECONDS);
					return;
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	public static class Reports {

		public Callable<String> report() {
			return () -> "report";
		}

	}

}
