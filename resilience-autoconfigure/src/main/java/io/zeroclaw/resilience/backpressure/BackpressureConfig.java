package io.zeroclaw.resilience.backpressure;

/**
 * How much admitted, unfinished work a {@link BackpressureController} holds, and at which fill ratio
 * ({@code depth / maxQueueDepth}) each priority starts being shed. {@link Priority#CRITICAL} has no threshold: it is
 * never shed.
 *
 * @param maxQueueDepth most admitted, unfinished pieces of work; at this depth only critical work gets in; at least 1
 * @param backgroundShedThreshold fill ratio in (0, 1] at which {@link Priority#BACKGROUND} work is shed
 * @param lowShedThreshold fill ratio in (0, 1] at which {@link Priority#LOW} work is shed
 * @param normalShedThreshold fill ratio in (0, 1] at which {@link Priority#NORMAL} work is shed
 * @param highShedThreshold fill ratio in (0, 1] at which {@link Priority#HIGH} work is shed
 */
public record BackpressureConfig(int maxQueueDepth, double backgroundShedThreshold, double lowShedThreshold,
		double normalShedThreshold, double highShedThreshold) {

	/**
	 * Checks the values.
	 * @throws IllegalArgumentException naming the field when the depth is below 1, a threshold lies outside (0, 1],
	 * or the thresholds are not ordered background &le; low &le; normal &le; high
	 */
	public BackpressureConfig {
		if (maxQueueDepth < 1) {
			throw new IllegalArgumentException("maxQueueDepth must be at least 1, was " + maxQueueDepth);
		}
		requireRatio("backgroundShedThreshold", backgroundShedThreshold);
		requireRatio("lowShedThreshold", lowShedThreshold);
		requireRatio("normalShedThreshold", normalShedThreshold);
		requireRatio("highShedThreshold", highShedThreshold);
		requireNotBelow("lowShedThreshold", lowShedThreshold, "backgroundShedThreshold", backgroundShedThreshold);
		requireNotBelow("normalShedThreshold", normalShedThreshold, "lowShedThreshold", lowShedThreshold);
		requireNotBelow("highShedThreshold", highShedThreshold, "normalShedThreshold", normalShedThreshold);
	}

	/**
	 * The reference settings: a depth of 1000, BACKGROUND shed from half full, LOW from 0.7, NORMAL from 0.85 and
	 * HIGH from 0.95.
	 * @return the default configuration
	 */
	public static BackpressureConfig defaults() {
		return new BackpressureConfig(1000, 0.5, 0.7, 0.85, 0.95);
	}

	/**
	 * The fill ratio at which work of a priority is shed.
	 * @param priority a priority
	 * @return its threshold; {@code Double.POSITIVE_INFINITY} for {@link Priority#CRITICAL}, which is never shed
	 */
	public double shedThreshold(Priority priority) {
		return switch (priority) {
			case CRITICAL -> Double.POSITIVE_INFINITY;
			case HIGH -> this.highShedThreshold;
			case NORMAL -> this.normalShedThreshold;
			case LOW -> this.lowShedThreshold;
			case BACKGROUND -> this.backgroundShedThreshold;
		};
	}

	private static void requireRatio(String field, double value) {
		if (!(value > 0.0 && value <= 1.0)) {
			throw new IllegalArgumentException(field + " must lie in (0, 1], was " + value);
		}
	}

	private static void requireNotBelow(String field, double value, String lowerField, double lower) {
		if (value < lower) {
			throw new IllegalArgumentException(field + " (" + value + ") must not be below " + lowerField + " ("
					+ lower + "): a more important priority would be shed before a less important one");
		}
	}

}
