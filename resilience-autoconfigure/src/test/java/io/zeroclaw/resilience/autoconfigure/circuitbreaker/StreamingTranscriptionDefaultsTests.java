package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.circuitbreaker.CircuitOpenException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.ai.audio.transcription.AudioTranscription;
import org.springframework.ai.audio.transcription.AudioTranscriptionOptions;
import org.springframework.ai.audio.transcription.AudioTranscriptionPrompt;
import org.springframework.ai.audio.transcription.AudioTranscriptionResponse;
import org.springframework.ai.audio.transcription.TranscriptionModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.Resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A transcription model that streams by overriding {@code streamTranscribe(Resource, AudioTranscriptionOptions)} and
 * leaves {@code stream(AudioTranscriptionPrompt)} as its interface's default: Spring AI's default
 * {@code streamTranscribe(Resource)} calls the overridden method, so it reaches the upstream, and is guarded.
 */
class StreamingTranscriptionDefaultsTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withUserConfiguration(TranscriberConfiguration.class)
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true",
				"zeroclaw.resilience.circuit-breaker.failure-threshold=2");

	@Test
	void streamTranscribeOfOneArgumentShouldBeRefusedWhileTheBreakerIsOpen() {
		this.contextRunner.run((context) -> {
			TranscriptionModel model = context.getBean(TranscriptionModel.class);
			DeltaTranscriber transcriber = context.getBean(DeltaTranscriber.class);
			context.getBean(CircuitBreakerRegistry.class).find("deltaTranscriber").orElseThrow().transitionToOpen();
			ByteArrayResource audio = new ByteArrayResource(new byte[1]);
			// the method it overrides is refused
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> model.streamTranscribe(audio, null).blockLast());
			// the interface's shorthand for it, the same upstream call, should be too
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> model.streamTranscribe(audio).blockLast());
			assertThat(transcriber.getUpstreamCalls()).isZero();
		});
	}

	@Test
	void failuresOfStreamTranscribeOfOneArgumentShouldOpenTheBreaker() {
		this.contextRunner.run((context) -> {
			TranscriptionModel model = context.getBean(TranscriptionModel.class);
			context.getBean(DeltaTranscriber.class).setFail(true);
			ByteArrayResource audio = new ByteArrayResource(new byte[1]);
			for (int i = 0; i < 2; i++) {
				assertThatExceptionOfType(IllegalStateException.class)
					.isThrownBy(() -> model.streamTranscribe(audio).blockLast());
			}
			assertThatExceptionOfType(CircuitOpenException.class)
				.isThrownBy(() -> model.streamTranscribe(audio).blockLast());
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class TranscriberConfiguration {

		@Bean
		DeltaTranscriber deltaTranscriber() {
			return new DeltaTranscriber();
		}

	}

	/** Streams the text as the upstream sends it, straight as strings. */
	static class DeltaTranscriber implements TranscriptionModel {

		private final AtomicInteger upstreamCalls = new AtomicInteger();

		private volatile boolean fail;

		@Override
		public AudioTranscriptionResponse call(AudioTranscriptionPrompt prompt) {
			this.upstreamCalls.incrementAndGet();
			return new AudioTranscriptionResponse(new AudioTranscription("hello world"));
		}

		@Override
		public Flux<String> streamTranscribe(Resource audio, AudioTranscriptionOptions options) {
			return Flux.defer(() -> {
				this.upstreamCalls.incrementAndGet();
				if (this.fail) {
					return Flux.error(new IllegalStateException("upstream answered 500"));
				}
				return Flux.just("hello", " world");
			});
		}

		public int getUpstreamCalls() {
			return this.upstreamCalls.get();
		}

		/** A setter, which the breaker passes through to the bean. */
		public void setFail(boolean fail) {
			this.fail = fail;
		}

	}

}
