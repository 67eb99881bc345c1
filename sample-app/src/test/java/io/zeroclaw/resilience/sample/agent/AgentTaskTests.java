package io.zeroclaw.resilience.sample.agent;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.zeroclaw.resilience.backpressure.BackpressureController;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /agent/tasks} on the running sample app: with ten slots, LOW tasks are shed once seven run, while
 * CRITICAL tasks still get in.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class AgentTaskTests {

	@LocalServerPort
	private int port;

	@Autowired
	private BackpressureController controller;

	private final HttpClient client = HttpClient.newHttpClient();

	@Test
	void lowTasksShouldBeShedWhileCriticalTasksStillGetIn() throws Exception {
		// the seven LOW tasks must still be running when the eighth and the CRITICAL one come: on a machine too slow
		// to send them within half a task's time, the same again with tasks three times as long
		for (long durationMs = 5000;; durationMs *= 3) {
			await().atMost(Duration.ofSeconds(90)).until(() -> this.controller.depth() == 0);
			long start = System.nanoTime();
			for (int i = 0; i < 7; i++) {
				HttpResponse<String> accepted = submit("LOW", durationMs);
				assertThat(accepted.statusCode()).isEqualTo(202);
				assertThat(accepted.body()).matches("\\{\"taskId\":\"[0-9a-f-]{36}\"}");
			}
			HttpResponse<String> shed = submit("LOW", durationMs);
			int critical = submit("CRITICAL", durationMs).statusCode();
			int depth = this.controller.depth();
			if (Duration.ofNanos(System.nanoTime() - start).toMillis() > durationMs / 2 && durationMs * 3 <= 60000) {
				continue;
			}
			assertThat(shed.statusCode()).isEqualTo(503);
			assertThat(shed.headers().firstValue("Retry-After")).hasValue("1");
			assertThat(shed.headers().firstValue("Content-Type")).hasValueSatisfying(
					(type) -> assertThat(type).startsWith("application/problem+json"));
			assertThat(shed.body()).contains("shedding LOW work at queue depth 7");
			assertThat(critical).isEqualTo(202);
			assertThat(depth).isEqualTo(8);
			break;
		}
		await().atMost(Duration.ofSeconds(90)).until(() -> this.controller.depth() == 0);
		assertThat(submit("LOW", 0).statusCode()).isEqualTo(202);
	}

	@Test
	void badDurationShouldBeRefused() throws Exception {
		assertThat(submit("LOW", -1).statusCode()).isEqualTo(400);
	}

	private HttpResponse<String> submit(String priority, long durationMs) throws Exception {
		URI uri = URI.create("http://localhost:" + this.port + "/agent/tasks?priority=" + priority + "&durationMs="
				+ durationMs);
		return this.client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
