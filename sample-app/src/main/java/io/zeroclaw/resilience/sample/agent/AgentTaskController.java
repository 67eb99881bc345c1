package io.zeroclaw.resilience.sample.agent;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.zeroclaw.resilience.backpressure.Priority;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Submits agent tasks. A task that is shed surfaces as {@code LoadShedException}, which the starter answers with
 * {@code 503 Service Unavailable} and {@code Retry-After}.
 */
@RestController
public class AgentTaskController {

	private static final long MAX_DURATION_MS = Duration.ofMinutes(1).toMillis();

	private final AgentWorker worker;

	public AgentTaskController(AgentWorker worker) {
		this.worker = worker;
	}

	@PostMapping("/agent/tasks")
	@ResponseStatus(HttpStatus.ACCEPTED)
	public Map<String, String> submit(@RequestParam(defaultValue = "NORMAL") Priority priority,
			@RequestParam(defaultValue = "500") long durationMs) {
		if (durationMs < 0 || durationMs > MAX_DURATION_MS) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "durationMs must be between 0 and 60000");
		}
		String taskId = UUID.randomUUID().toString();
		this.worker.run(taskId, priority, durationMs);
		return Map.of("taskId", taskId);
	}

}
