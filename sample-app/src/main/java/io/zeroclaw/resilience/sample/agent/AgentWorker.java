package io.zeroclaw.resilience.sample.agent;

import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Service;

/**
 * Runs one agent task in the background. The call is admitted at the caller's priority before it is queued, so under
 * load a low-priority task is refused at once with a {@code LoadShedException} instead of waiting in the executor's
 * queue; an admitted task holds its slot until it has finished.
 */
@Service
public class AgentWorker {

	private static final Logger logger = LoggerFactory.getLogger(AgentWorker.class);

	/**
	 * Simulates an agent task (planning, tool calls, LLM round trips) that takes the given time.
	 * @param taskId the task's id
	 * @param priority the task's priority; wins over the annotation's NORMAL
	 * @param durationMs how long the task runs
	 */
	@Async
	@Prioritized(Priority.NORMAL)
	public void run(String taskId, Priority priority, long durationMs) {
		logger.debug("Agent task {} ({}) started", taskId, priority);
		try {
			TimeUnit.MILLISECONDS.sleep(durationMs);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			logger.warn("Agent task {} interrupted", taskId);
			return;
		}
		logger.debug("Agent task {} finished", taskId);
	}

}
