package io.zeroclaw.resilience.provider;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The edges of the provider SPI's value types.
 */
class ProviderValueTypesTests {

	@Test
	void totalTokensShouldSaturateRatherThanTurnNegative() {
		assertThat(new TokenUsage(Long.MAX_VALUE, 1).totalTokens()).isEqualTo(Long.MAX_VALUE);
		assertThat(new TokenUsage(40, 2).totalTokens()).isEqualTo(42);
	}

	@Test
	void chatRequestShouldRefuseATemperatureThatIsNoNumberOrInfinite() {
		for (double temperature : new double[] { Double.POSITIVE_INFINITY, Double.NaN, -0.5 }) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new ChatRequest(List.of(ChatMessage.user("hi")), List.of(), "m", temperature))
				.withMessageContaining("temperature");
		}
		assertThat(new ChatRequest(List.of(ChatMessage.user("hi")), List.of(), "m", 2.0).temperature()).isEqualTo(2.0);
	}

}
