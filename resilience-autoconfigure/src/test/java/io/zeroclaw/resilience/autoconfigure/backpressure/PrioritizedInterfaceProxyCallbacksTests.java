package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.event.EventListener;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The listeners of a {@code @Prioritized} bean proxied by its interfaces, in the shapes interfaces declare them:
 * annotated on a generic interface a sub-interface binds, on a plain superinterface, on a default method; and the
 * start-up message where the proxy cannot take one.
 */
class PrioritizedInterfaceProxyCallbacksTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	/** The proxy has no {@code on(OrderPlaced)}: the listener is found on the proxy's class, through the interface. */
	@Test
	void listenerAnnotatedOnAGenericSuperinterfaceShouldReceiveEvents() {
		this.runner.withBean("orders", FinalOrderHandler.class, FinalOrderHandler::new).run((context) -> {
			assertThat(context).hasNotFailed();
			context.publishEvent(new OrderPlaced("o-1"));
			assertThat(context.getBean(OrderHandler.class).received()).containsExactly("o-1");
		});
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
	 * Next to a listener only the proxy's class shows, one annotated on the class alone would be dropped without a
	 * word: start-up names it.
	 */
	@Test
	void listenerAnnotatedOnTheClassNextToOneOnAGenericInterfaceShouldFailStartUpNamingIt() {
		this.runner.withBean("mixed", MixedHandler.class, MixedHandler::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("its @EventListener or @Scheduled methods [audit(OrderPlaced)]"));
	}

	/** The class is not final: the fix is to make its final method non-final. */
	@Test
	void messageForAClassWithAFinalMethodShouldNameTheMethodNotTheClass() {
		this.runner.withBean("halfFinal", HalfFinalWorker.class, HalfFinalWorker::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("its @EventListener or @Scheduled methods [on(OrderPlaced)]")
				.hasMessageContaining("its final methods [run] implement interface methods")
				.hasMessageContaining("Make the methods [run] non-final")
				.hasMessageNotContaining("Make the class non-final"));
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

	public interface AuditedOrderHandler extends OrderHandler {

		void audit(OrderPlaced event);

	}

	static final class MixedHandler implements AuditedOrderHandler {

		private final List<String> received = new CopyOnWriteArrayList<>();

		@Override
		@Prioritized(Priority.LOW)
		public void on(OrderPlaced event) {
			this.received.add(event.id());
		}

		@Override
		@EventListener
		public void audit(OrderPlaced event) {
			this.received.add("audit:" + event.id());
		}

		@Override
		public List<String> received() {
			return this.received;
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

	}

}
