package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A request the rate-limit filter refuses is observed by Boot's server observation, with its {@code 429}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = { RateLimitTestApplication.class, RateLimitObservationIntegrationTests.Recording.class },
		properties = { "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=1", "zeroclaw.resilience.rate-limit.burst=0" })
class RateLimitObservationIntegrationTests {

	private static final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private Recording recording;

	@Test
	void refusedRequestShouldBeObservedWithItsStatus() throws Exception {
		assertThat(get("/api/x").statusCode()).isEqualTo(200);
		assertThat(get("/api/x").statusCode()).isEqualTo(429);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.recording.statuses.size() >= 2);
		assertThat(this.recording.statuses).containsExactly(200, 429);
		assertThat(this.recording.scopedInFilter).isNotEmpty();
	}

	private HttpResponse<String> get(String path) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@Configuration(proxyBeanMethods = false)
	static class Recording {

		final List<Integer> statuses = new CopyOnWriteArrayList<>();

		final List<String> scopedInFilter = new CopyOnWriteArrayList<>();

		@Bean
		ObservationHandler<ServerRequestObservationContext> recordingHandler() {
			return new ObservationHandler<>() {

				@Override
				public void onStop(ServerRequestObservationContext context) {
					Recording.this.statuses.add(context.getResponse().getStatus());
				}

				@Override
				public void onScopeOpened(ServerRequestObservationContext context) {
					Recording.this.scopedInFilter.add(context.getCarrier().getRequestURI());
				}

				@Override
				public boolean supportsContext(Observation.Context context) {
					return context instanceof ServerRequestObservationContext;
				}

			};
		}

	}

}
