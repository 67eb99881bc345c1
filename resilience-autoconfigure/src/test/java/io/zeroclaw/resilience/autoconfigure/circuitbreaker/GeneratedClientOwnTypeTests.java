package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.function.Function;
import java.util.stream.Stream;

import io.zeroclaw.resilience.autoconfigure.circuitbreaker.ResultTypeRulesTests.ChatFuture;
import io.zeroclaw.resilience.autoconfigure.circuitbreaker.ResultTypeRulesTests.ChunkStream;
import io.zeroclaw.resilience.provider.Provider;
import io.zeroclaw.resilience.provider.StreamChunk;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client generated as a JDK proxy (Feign, Retrofit) whose interface binds Function's variable to a future or
 * stream of the client's own type. Before 8a1c483 the proxy class's erased Object return kept it SYNC (the caller got
 * the ChatFuture/ChunkStream as it is); now the interface's variable is resolved for the kind, but the caller's
 * expected type is still read from the proxy class's Object return, which "fits" the breaker's CompletableFuture or
 * Stream: the caller gets a ClassCastException.
 */
class GeneratedClientOwnTypeTests {

	private final ClockedBreakers breakers = new ClockedBreakers();

	@Test
	void futureOfItsOwnTypeFromAGeneratedClientShouldReachTheCallerAsItsType() {
		this.breakers.runner().withBean("client", FutureClientApi.class, () -> GeneratedClients.generated(FutureClientApi.class,
				() -> new ChatFuture<String>())).run((context) -> {
					@SuppressWarnings("unchecked")
					Function<String, ChatFuture<String>> client = (Function<String, ChatFuture<String>>) context
						.getBean("client");
					ChatFuture<String> answer = client.apply("hi"); // ClassCastException: CompletableFuture
					answer.complete("ok");
					assertThat(answer).isCompletedWithValue("ok");
				});
	}

	@Test
	void streamOfItsOwnTypeFromAGeneratedClientShouldReachTheCallerAsItsType() {
		this.breakers.runner().withBean("client", StreamClientApi.class, () -> GeneratedClients.generated(StreamClientApi.class,
				() -> ResultTypeRulesTests.chunkStream(Stream.of(StreamChunk.of("a"))))).run((context) -> {
					@SuppressWarnings("unchecked")
					Function<String, ChunkStream<StreamChunk>> client =
							(Function<String, ChunkStream<StreamChunk>>) context
						.getBean("client");
					try (ChunkStream<StreamChunk> chunks = client.apply("hi")) { // ClassCastException
						assertThat(chunks.count()).isEqualTo(1);
					}
				});
	}

	public interface FutureClientApi extends Provider, Function<String, ChatFuture<String>> {

	}

	public interface StreamClientApi extends Provider, Function<String, ChunkStream<StreamChunk>> {

	}

}
