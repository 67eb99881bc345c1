package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The listeners of a {@code @Prioritized} bean proxied by its interfaces, in the shapes interfaces declare them:
 * annotated on a plain superinterface or on a default method; and the start-up message where the proxy cannot take
 * one, as when a generic interface declares it.
 */
class PrioritizedInterfaceProxyCallbacksTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	/**
	 * The proxy's {@code on} takes {@code Object}: called through it, the listener would be handed every event the
	 * context publishes (its condition evaluated against each, a payload listener never called), so start-up names it.
	 */
	@Test
	void listenerAnnotatedOnAGenericSuperinterfaceShouldFailStartUpNamingIt() {
		this.runner.withBean("orders", FinalOrderHandler.class, FinalOrderHandler::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("its @EventListener or @Scheduled methods [on(OrderPlaced)] through that proxy")
				.hasMessageContaining("Handler<E>.on(E), does not: its proxy takes Object"));
	}

	@Test
	void listenersAnnotatedOnASuperinterfaceAndItsDefaultMethodShouldReceiveEvents() {
		this.runner.withBean("plain", PlainHandler.class, PlainHandler::new).run((context) -> {
			assertThat(context).hasNotFailed();
			context.publishEvent(new OrderPlaced("o-2"));
			assertThat(context.getBean(Received.class).received()).containsExactlyInAnyOrder("o-2", "default:o-2");
		});
	}

	/**
	 * A generic base class annotates the listener and the class overrides it with its own signature, which an
	 * interface declares: Spring registers only that override, which the proxy takes.
	 */
	@Test
	void listenerOverridingAGenericBaseClassListenerShouldReceiveOnlyItsEvents() {
		this.runner.withBean("orders", FinalOrders.class, FinalOrders::new).run((context) -> {
			assertThat(context).hasNotFailed();
			context.publishEvent(new OrderPlaced("o-3"));
			context.publishEvent("not an order");
			assertThat(context.getBean(Orders.class).received()).containsExactly("o-3");
		});
	}

	/** Spring schedules only what the method itself is annotated with: an override without the annotation is not. */
	@Test
	void overrideOfAScheduledMethodWithoutTheAnnotationShouldNotStopStartUp() {
		this.runner.withUserConfiguration(SchedulingConfiguration.class)
			.withBean("ticker", FinalTicker.class, FinalTicker::new)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	/** The class is not final: the fix is to make the final method that implements an interface's non-final. */
	@Test
	void messageForAClassWithAFinalMethodShouldNameTheMethodNotTheClass() {
		this.runner.withBean("halfFinal", HalfFinalWorker.class, HalfFinalWorker::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("its @EventListener or @Scheduled methods [on(OrderPlaced)]")
				.hasMessageContaining("its final methods [run] implement interface methods")
				.hasMessageContaining("Make the methods [run] non-final")
				.hasMessageNotContaining("Make the class non-final")
				.hasMessageNotContaining("helper"));
	}

	record OrderPlaced(String id) {
	}

	public interface Listens {

		@EventListener
		void on(OrderPlaced event);

		@EventListener
		default void onDefault(OrderPlaced event) {
			((Received) this).received().add("default:" + event.id());
		}

	}

	public interface Received extends Listens {

		List<String> received();

	}

	static final class PlainHandler implements Received {

		private final List<String> received = new CopyOnWriteArrayList<>();

		@Override
		@Prioritized(Priority.LOW)
		public void on(OrderPlaced event) {
			this.received.add(event.id());
		}

		@Override
		public List<String> received() {
			return this.received;
		}

	}

	public interface Handler<E> {

		@EventListener
		void on(E event);

	}

	public interface OrderHandler extends Handler<OrderPlaced> {

		List<String> received();

	}

	static final class FinalOrderHandler implements OrderHandler {

		private final List<String> received = new CopyOnWriteArrayList<>();

		@Override
		@Prioritized(Priority.LOW)
		public void on(OrderPlaced event) {
			this.received.add(event.id());
		}

		@Override
		public List<String> received() {
			return this.received;
		}

	}

	public abstract static class BaseHandler<E> {

		protected final List<String> received = new CopyOnWriteArrayList<>();

		@EventListener
		public void on(E event) {
			this.received.add("base:" + event);
		}

	}

	public interface Orders {

		void on(OrderPlaced event);

		List<String> received();

	}

	static final class FinalOrders extends BaseHandler<OrderPlaced> implements Orders {

		@Override
		@Prioritized(Priority.LOW)
		public void on(OrderPlaced event) {
			this.received.add(event.id());
		}

		@Override
		public List<String> received() {
			return this.received;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class SchedulingConfiguration {

	}

	public abstract static class BaseTicker {

		@Scheduled(fixedDelay = 10)
		public void tick() {
		}

	}

	static final class FinalTicker extends BaseTicker implements Job {

		@Override
		public void tick() {
		}

		@Override
		@Prioritized(Priority.LOW)
		public int run() {
			return 1;
		}

	}

	public interface Job {

		int run();

	}

	static class HalfFinalWorker implements Job {

		@Override
		@Prioritized(Priority.LOW)
		public final int run() {
			return 1;
		}

		@EventListener
		public void on(OrderPlaced event) {
		}

		public final int helper() {
			return 2;
		}

	}

}
