package io.zeroclaw.resilience.autoconfigure;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

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

	@Test
	void registrationWhileAnotherThreadAddsTheListenerShouldWaitAndOwnTheGaugeItCreates() throws Exception {
		CountDownLatch inConfig = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		// holds the thread that won the registry's place in the starter's map while it adds the listener
		MeterRegistry registry = new SimpleMeterRegistry() {

			@Override
			public Config config() {
				if (Thread.currentThread().getName().equals("first") && inConfig.getCount() > 0) {
					inConfig.countDown();
					try {
						release.await(10, TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
				return super.config();
			}

		};
		Thread first = new Thread(() -> SharedGauges.registerOwned(registry, Gauge.builder("other", () -> 1)), "first");
		first.start();
		assertThat(inConfig.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<Gauge> depth = new CompletableFuture<>();
		Thread second = new Thread(() -> depth.complete(SharedGauges.registerOwned(registry,
				gauge(new AtomicInteger(2)))), "second");
		second.start();
		// the second registration either waits for the listener or (without the lock) creates its gauge unheard
		await().atMost(Duration.ofSeconds(10))
			.until(() -> second.getState() == Thread.State.BLOCKED || second.getState() == Thread.State.TERMINATED);
		release.countDown();
		first.join(10_000);
		assertThat(depth.get(10, TimeUnit.SECONDS)).as("the gauge the second registration created")
			.isNotNull()
			.isSameAs(registry.get("depth").gauge());
	}

	@Test
	void meterRegisteredOutsideAnyRegistrationShouldBeRegisteredOnARegistryTheStarterListensTo() {
		SharedGauges.registerOwned(this.registry, gauge(new AtomicInteger(1)));
		assertThatNoException().isThrownBy(() -> Counter.builder("requests").register(this.registry));
		assertThat(this.registry.find("requests").counter()).isNotNull();
	}

	@Test
	void registrationShouldKeepNoMeterOfItsThreadOnceDone() {
		SharedGauges.registerOwned(this.registry, gauge(new AtomicInteger(1)));
		// a meter the thread creates later (a request's timer, say), then removed: nothing of the starter holds it
		WeakReference<Counter> later = new WeakReference<>(Counter.builder("later").register(this.registry));
		this.registry.remove(later.get());
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			System.gc();
			return later.get() == null;
		});
	}

	private static Gauge.Builder<AtomicInteger> gauge(AtomicInteger value) {
		return Gauge.builder("depth", value, AtomicInteger::get);
	}

}
