package io.zeroclaw.resilience.backpressure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BackpressureConfigTests {

	@Test
	void defaultsShouldBeTheReferenceSettings() {
		BackpressureConfig config = BackpressureConfig.defaults();
		assertThat(config.maxQueueDepth()).isEqualTo(1000);
		assertThat(config.backgroundShedThreshold()).isEqualTo(0.5);
		assertThat(config.lowShedThreshold()).isEqualTo(0.7);
		assertThat(config.normalShedThreshold()).isEqualTo(0.85);
		assertThat(config.highShedThreshold()).isEqualTo(0.95);
	}

	@Test
	void zeroQueueDepthShouldBeRejectedNamingTheField() {
		assertThatIllegalArgumentException().isThrownBy(() -> new BackpressureConfig(0, 0.5, 0.7, 0.85, 0.95))
			.withMessageContaining("maxQueueDepth");
	}

	@Test
	void zeroThresholdShouldBeRejectedNamingTheField() {
		assertThatIllegalArgumentException().isThrownBy(() -> new BackpressureConfig(10, 0.0, 0.7, 0.85, 0.95))
			.withMessageContaining("backgroundShedThreshold");
	}

	@Test
	void thresholdAboveOneShouldBeRejectedNamingTheField() {
		assertThatIllegalArgumentException().isThrownBy(() -> new BackpressureConfig(10, 0.5, 0.7, 0.85, 1.01))
			.withMessageContaining("highShedThreshold");
	}

	@Test
	void notANumberThresholdShouldBeRejectedNamingTheField() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new BackpressureConfig(10, 0.5, Double.NaN, 0.85, 0.95))
			.withMessageContaining("lowShedThreshold");
	}

	@Test
	void thresholdsOutOfOrderShouldBeRejectedNamingTheField() {
		assertThatIllegalArgumentException().isThrownBy(() -> new BackpressureConfig(10, 0.5, 0.9, 0.85, 0.95))
			.withMessageContaining("normalShedThreshold");
	}

	@ParameterizedTest
	@CsvSource({ "backgroundShedThreshold, NaN, 0.7, 0.85, 0.95", "lowShedThreshold, 0.5, NaN, 0.85, 0.95",
			"normalShedThreshold, 0.5, 0.7, NaN, 0.95", "highShedThreshold, 0.5, 0.7, 0.85, NaN" })
	void notANumberShouldBeRejectedWhicheverThresholdItIs(String field, double background, double low, double normal,
			double high) {
		assertThatIllegalArgumentException().isThrownBy(() -> new BackpressureConfig(10, background, low, normal, high))
			.withMessageContaining(field + " must lie in (0, 1]");
	}

	@ParameterizedTest
	@CsvSource({ "lowShedThreshold, 0.5, 0.4, 0.85, 0.95", "normalShedThreshold, 0.5, 0.7, 0.6, 0.95",
			"highShedThreshold, 0.5, 0.7, 0.85, 0.8" })
	void thresholdBelowTheOneOfALessImportantPriorityShouldBeRejectedWhicheverPairItIs(String field,
			double background, double low, double normal, double high) {
		assertThatIllegalArgumentException().isThrownBy(() -> new BackpressureConfig(10, background, low, normal, high))
			.withMessageStartingWith(field + " (");
	}

	@Test
	void equalThresholdsAndOneShouldBeAccepted() {
		BackpressureConfig config = new BackpressureConfig(1, 1.0, 1.0, 1.0, 1.0);
		assertThat(config.shedThreshold(Priority.BACKGROUND)).isEqualTo(1.0);
		assertThat(config.shedThreshold(Priority.CRITICAL)).isEqualTo(Double.POSITIVE_INFINITY);
	}

}
