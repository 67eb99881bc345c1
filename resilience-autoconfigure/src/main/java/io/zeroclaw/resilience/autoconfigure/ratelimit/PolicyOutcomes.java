package io.zeroclaw.resilience.autoconfigure.ratelimit;

/**
 * The outcome counters of one policy. The filter holds this object from start-up; the counters behind it are no-ops
 * until Micrometer meters are installed, so that the filter needs no Micrometer on its classpath and looks no meter
 * up per request.
 */
final class PolicyOutcomes {

	/** Counts the outcomes of one policy's decisions. */
	interface Recorder {

		Recorder NONE = new Recorder() {

			@Override
			public void allowed() {
			}

			@Override
			public void rejected() {
			}

			@Override
			public void error() {
			}

		};

		void allowed();

		void rejected();

		void error();

	}

	private volatile Recorder recorder = Recorder.NONE;

	void install(Recorder recorder) {
		this.recorder = recorder;
	}

	void allowed() {
		this.recorder.allowed();
	}

	void rejected() {
		this.recorder.rejected();
	}

	void error() {
		this.recorder.error();
	}

}
