package io.zeroclaw.resilience.autoconfigure.backpressure;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.zeroclaw.resilience.autoconfigure.SharedGauges;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.BackpressureListener;
import io.zeroclaw.resilience.backpressure.Priority;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Counts admitted and shed work per priority, and exposes the controller's depth as a gauge. The counters are
 * registered up front for every priority, so a dashboard sees zeros rather than missing series, and each event is one
 * array load and one counter increment. The gauge is registered once every singleton exists, so that it reads
 * whichever controller bean the application ended up with, without making the controller depend on this listener's
 * registration.
 */
public class BackpressureMetrics implements BackpressureListener, SmartInitializingSingleton, DisposableBean {

	static final String DEPTH = "zeroclaw.resilience.backpressure.depth";

	static final String ADMITTED = "zeroclaw.resilience.backpressure.admitted";

	static final String SHED = "zeroclaw.resilience.backpressure.shed";

	private final MeterRegistry registry;

	private final ObjectProvider<BackpressureController> controller;

	private final Counter[] admitted;

	private final Counter[] shed;

	/**
	 * The depth gauge, once registered, if this instance registered it: it reads this context's controller. A
	 * registry shared with a context that registered the gauge first keeps that one, and this instance then holds
	 * none.
	 */
	private volatile @Nullable Gauge depth;

	/**
	 * @param registry where the meters go
	 * @param controller the controller whose depth the gauge reads, if any
	 */
	public BackpressureMetrics(MeterRegistry registry, ObjectProvider<BackpressureController> controller) {
		this.registry = registry;
		this.controller = controller;
		Priority[] priorities = Priority.values();
		this.admitted = new Counter[priorities.length];
		this.shed = new Counter[priorities.length];
		for (Priority priority : priorities) {
			this.admitted[priority.ordinal()] = Counter.builder(ADMITTED)
				.description("Work admitted by the backpressure controller")
				.tag("priority", priority.name())
				.register(registry);
			this.shed[priority.ordinal()] = Counter.builder(SHED)
				.description("Work shed by the backpressure controller")
				.tag("priority", priority.name())
				.register(registry);
		}
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.controller.ifAvailable((controller) -> {
			this.depth = SharedGauges.registerOwned(this.registry,
					Gauge.builder(DEPTH, controller, BackpressureController::depth)
						.description("Admitted work that has not finished"));
		});
	}

	/**
	 * Removes the depth gauge this instance registered: a registry that outlives the context (one shared by several
	 * contexts) would otherwise report this context's controller, and keep it alive, after the context closed. A
	 * gauge another context registered first stays with it.
	 */
	@Override
	public void destroy() {
		Gauge gauge = this.depth;
		if (gauge != null) {
			this.registry.remove(gauge);
		}
	}

	@Override
	public void onAdmitted(Priority priority) {
		this.admitted[priority.ordinal()].increment();
	}

	@Override
	public void onShed(Priority priority, int depth) {
		this.shed[priority.ordinal()].increment();
	}

}
