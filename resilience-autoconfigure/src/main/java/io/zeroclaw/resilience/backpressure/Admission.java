package io.zeroclaw.resilience.backpressure;

/**
 * A slot held by admitted work, returned by {@link BackpressureController#admit(Priority)}. Closing it releases the
 * slot; it is the only way to do so, so work that finishes must close it, normally with try-with-resources. Closing
 * twice, or from two threads at once, releases the slot once.
 */
public interface Admission extends AutoCloseable {

	/**
	 * Releases the slot. Idempotent and thread-safe; never throws.
	 */
	@Override
	void close();

}
