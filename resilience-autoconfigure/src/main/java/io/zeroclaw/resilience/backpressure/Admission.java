package io.zeroclaw.resilience.backpressure;

/**
 * A slot held by admitted work, returned by {@link BackpressureController#admit(Priority)}. Closing it releases the
 * slot; it is the only way to do so, so work that finishes must close it, normally with try-with-resources. Closing
 * it again has no effect.
 * <p>
 * An admission belongs to one piece of work and is not meant to be closed by two threads at the same instant: close
 * it from the thread that admitted it or from a thread it was handed to (through an executor, a future or a lock). Code
 * that may race two closers needs its own once-only guard; the guard is left out here because it would make every
 * admission markedly dearer.
 */
public interface Admission extends AutoCloseable {

	/**
	 * Releases the slot. Idempotent; never throws.
	 */
	@Override
	void close();

}
