package io.zeroclaw.resilience.autoconfigure;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gauge is its registrant's own only when that registration created it, whatever other meter-added listeners of
 * the application do meanwhile.
 */
class SharedGaugesTests {

	private final MeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void secondRegistrationOfAGaugeShouldNotOwnIt() {
		Gauge first = SharedGauges.registerOwned(this.registry, gauge(new AtomicInteger(1)));
		assertThat(first).isNotNull();
		assertThat(SharedGauges.registerOwned(this.registry, gauge(new AtomicInteger(2)))).isNull();
		assertThat(this.registry.get("depth").gauge().value()).isEqualTo(1.0);
	}

	@Test
	void listenerThatRegistersAMeterWhileToldOfTheGaugeShouldNotTakeTheGaugeFromItsRegistrant() {
		// the starter's listener first, then the application's, which registers a meter of its own for each new one
		SharedGauges.registerOwned(this.registry, Gauge.builder("warm-up", () -> 0));
		this.registry.config().onMeterAdded((meter) -> {
			if (meter.getId().getName().equals("depth")) {
				Counter.builder("depth.watched").register(this.registry);
			}
		});
		Gauge owned = SharedGauges.registerOwned(this.registry, gauge(new AtomicInteger(1)));
		assertThat(owned).isNotNull().isSameAs(this.registry.get("depth").gauge());
		assertThat(this.registry.find("depth.watched").counter()).isNotNull();
	}

	@Test
	void registrationInsideAnotherShouldLeaveTheOuterOneItsGauge() {
		// the application's listener first: it registers a gauge of the starter's kind before the starter's listener
		// is told of the outer one
		Gauge[] inner = new Gauge[1];
		this.registry.config().onMeterAdded((meter) -> {
			if (meter.getId().getName().equals("depth") && inner[0] == null) {
				inner[0] = SharedGauges.registerOwned(this.registry, Gauge.builder("inner", () -> 1));
			}
		});
		Gauge owned = SharedGauges.registerOwned(this.registry, gauge(new AtomicInteger(1)));
		assertThat(owned).isNotNull();
		assertThat(inner[0]).isNotNull();
	}

	private static Gauge.Builder<AtomicInteger> gauge(AtomicInteger value) {
		return Gauge.builder("depth", value, AtomicInteger::get);
	}

}
