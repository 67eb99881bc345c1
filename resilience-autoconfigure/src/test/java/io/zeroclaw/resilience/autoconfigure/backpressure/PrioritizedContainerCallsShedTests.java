package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.Admission;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.LoadShedException;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.core.annotation.Order;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A {@code @Prioritized} method the container calls, with no caller of the application's to tell: a shed
 * {@code void} {@code @Scheduled} run is skipped rather than thrown into the scheduler (whose error handler logs every
 * failed run at ERROR), and a shed {@code void} {@code @EventListener} delivery is skipped rather than thrown into
 * the publisher (which would keep the event from the listeners after it), whatever the method returns (a primitive's
 * zero, or nothing: a listener's follow-up event is then not published), and so is an {@code ApplicationListener}'s
 * delivery. With ten slots BACKGROUND and LOW are shed once six are held.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrioritizedContainerCallsShedTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class,
				BackpressureAutoConfiguration.class, TaskSchedulingAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true",
				"zeroclaw.resilience.backpressure.max-queue-depth=10", "spring.threads.virtual.enabled=false");

	@Test
	void shedScheduledRunsShouldBeSkippedWithoutAnError(CapturedOutput output) {
		this.runner.withUserConfiguration(SchedulingConfiguration.class).run((context) -> {
			// the sweeper is proxied by its class, so its counts are read through methods
			BackpressureController controller = context.getBean(BackpressureController.class);
			Sweeper sweeper = context.getBean(Sweeper.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> sweeper.sweeps() > 0);
			List<Admission> held = hold(controller, 6);
			int sweeps;
			try {
				int ticks = sweeper.ticks();
				// a run that started before the slots were taken may still end: count from one after it
				await().atMost(Duration.ofSeconds(10)).until(() -> sweeper.ticks() > ticks + 1);
				sweeps = sweeper.sweeps();
				int later = sweeper.ticks();
				await().atMost(Duration.ofSeconds(10)).until(() -> sweeper.ticks() > later + 5);
				assertThat(sweeper.sweeps()).as("sweeps run while BACKGROUND was shed").isEqualTo(sweeps);
			}
			finally {
				held.forEach(Admission::close);
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> sweeper.sweeps() > sweeps);
			assertThat(output).doesNotContain("Unexpected error occurred in scheduled task")
				.doesNotContain(LoadShedException.class.getSimpleName());
			assertThat(controller.depth()).isZero();
		});
	}

	@Test
	void shedListenerShouldBeSkippedAndTheEventReachTheOtherListeners() {
		this.runner.withUserConfiguration(ListenerConfiguration.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			Indexer indexer = context.getBean(Indexer.class);
			Audit audit = context.getBean(Audit.class);
			whileHeld(controller, 7, () -> context.publishEvent(new OrderPlaced("o-1")));
			assertThat(audit.count()).isEqualTo(1);
			assertThat(indexer.indexed()).isZero();
			context.publishEvent(new OrderPlaced("o-2"));
			await().atMost(Duration.ofSeconds(10)).until(() -> indexer.indexed() == 1);
			assertThat(audit.count()).isEqualTo(2);
		});
	}

	@Test
	void shedScheduledRunsReturningAValueShouldBeSkippedWithoutAnError(CapturedOutput output) {
		this.runner.withUserConfiguration(CountingSchedulingConfiguration.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			CountingSweeper sweeper = context.getBean(CountingSweeper.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> sweeper.sweeps() > 0);
			whileHeld(controller, 6, () -> {
				int ticks = sweeper.ticks();
				await().atMost(Duration.ofSeconds(10)).until(() -> sweeper.ticks() > ticks + 5);
			});
			assertThat(output).doesNotContain("Unexpected error occurred in scheduled task")
				.doesNotContain(LoadShedException.class.getSimpleName());
		});
	}

	@Test
	void shedListenersOfEveryShapeShouldBeSkippedAndTheEventReachTheOtherListeners() {
		this.runner.withUserConfiguration(ListenerShapesConfiguration.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			Audit audit = context.getBean(Audit.class);
			FollowUps followUps = context.getBean(FollowUps.class);
			InterfaceListener listener = context.getBean(InterfaceListener.class);
			whileHeld(controller, 7, () -> context.publishEvent(new OrderPlaced("o-1")));
			assertThat(audit.count()).isEqualTo(1);
			assertThat(listener.received()).isZero();
			assertThat(followUps.received()).isZero();
			context.publishEvent(new OrderPlaced("o-2"));
			assertThat(audit.count()).isEqualTo(2);
			assertThat(listener.received()).isEqualTo(1);
			// the listener returning a follow-up ran, and its follow-up was published
			assertThat(followUps.received()).isEqualTo(1);
			assertThat(controller.depth()).isZero();
		});
	}

	/** Skipped, a listener returning a primitive would publish its zero as a follow-up event: it is refused. */
	@Test
	void aShedListenerReturningAPrimitiveShouldBeRefusedRatherThanPublishAZero() {
		this.runner.withUserConfiguration(PrimitiveListenerConfiguration.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			Scores scores = context.getBean(Scores.class);
			whileHeld(controller, 7, () -> {
				assertThatExceptionOfType(LoadShedException.class)
					.isThrownBy(() -> context.publishEvent(new OrderPlaced("o-1")));
			});
			assertThat(scores.received()).isEmpty();
		});
	}

	/** A work method that only shares the listener method's name is not the container's delivery. */
	@Test
	void aShedWorkMethodNamedOnApplicationEventShouldThrowToItsCaller() {
		this.runner.withBean(CommandListener.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			CommandListener listener = context.getBean(CommandListener.class);
			whileHeld(controller, 7, () -> {
				assertThatExceptionOfType(LoadShedException.class)
					.isThrownBy(() -> listener.onApplicationEvent("reindex"));
			});
		});
	}

	/**
	 * The multicaster asks a {@code SmartApplicationListener} which events it takes on the first publication of each
	 * event type: under the type's {@code @Prioritized}, that question is the container's, never shed.
	 */
	@Test
	void aTypeLevelPrioritizedSmartListenerShouldNotBeAskedUnderAdmission() {
		this.runner.withBean(OrderWatcher.class).withBean(Audit.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			whileHeld(controller, 7, () -> context.publishEvent(new OrderPlaced("o-1")));
			assertThat(context.getBean(Audit.class).count()).isEqualTo(1);
			OrderWatcher watcher = context.getBean(OrderWatcher.class);
			whileHeld(controller, 7, () -> assertThatExceptionOfType(LoadShedException.class)
				.isThrownBy(() -> watcher.watch("o-1")));
		});
	}

	/** The delivery declared by a generic base class, its event type bound narrower than {@code ApplicationEvent}. */
	@Test
	void aShedDeliveryDeclaredByAGenericBaseListenerShouldBeSkipped() {
		this.runner.withBean(PlacedListener.class).withBean(Audit.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			whileHeld(controller, 7, () -> {
				context.publishEvent(new Placed(this));
				context.publishEvent(new OrderPlaced("o-1"));
			});
			assertThat(context.getBean(Audit.class).count()).isEqualTo(1);
			assertThat(context.getBean(PlacedListener.class).received()).isZero();
		});
	}

	/** Under a type-level annotation the delivery is the container's, called through its own signature too. */
	@Test
	void aDeliveryCalledDirectlyUnderATypeLevelAnnotationShouldRunUnadmitted() {
		this.runner.withBean(TypeLevelPlacedListener.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			TypeLevelPlacedListener listener = context.getBean(TypeLevelPlacedListener.class);
			whileHeld(controller, 7, () -> {
				listener.onApplicationEvent(new Placed(this));
				assertThatExceptionOfType(LoadShedException.class).isThrownBy(listener::work);
			});
			assertThat(listener.received()).isEqualTo(1);
		});
	}

	/** A type's annotation covers its work, not the container's delivery of an event to its {@code @EventListener}. */
	@Test
	void anEventListenerMethodUnderATypeLevelAnnotationShouldReceiveTheEventWhenWorkIsShed() {
		this.runner.withBean(TypeLevelPlacedWatcher.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			TypeLevelPlacedWatcher watcher = context.getBean(TypeLevelPlacedWatcher.class);
			whileHeld(controller, 7, () -> {
				context.publishEvent(new Placed(this));
				assertThatExceptionOfType(LoadShedException.class).isThrownBy(watcher::work);
			});
			assertThat(watcher.received()).isEqualTo(1);
		});
	}

	/** A work method named like a static method of the listener interface is work, which a type's annotation covers. */
	@Test
	void aWorkMethodNamedLikeAStaticMethodOfTheListenerInterfaceShouldBeAdmitted() {
		this.runner.withBean(PayloadRouter.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			PayloadRouter router = context.getBean(PayloadRouter.class);
			whileHeld(controller, 7, () -> {
				assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> router.forPayload((payload) -> {
				}));
			});
		});
	}

	@Test
	void aShedCallOfAnythingElseShouldStillThrowToItsCaller() {
		this.runner.withUserConfiguration(ListenerConfiguration.class).run((context) -> {
			BackpressureController controller = context.getBean(BackpressureController.class);
			Indexer indexer = context.getBean(Indexer.class);
			whileHeld(controller, 7, () -> {
				assertThatExceptionOfType(LoadShedException.class).isThrownBy(() -> indexer.reindex("o-1"));
			});
		});
	}

	/** Runs the action while HIGH work holds the given number of slots, and gives them back whatever it does. */
	private static void whileHeld(BackpressureController controller, int slots, ThrowingCallable action)
			throws Throwable {
		List<Admission> held = hold(controller, slots);
		try {
			action.call();
		}
		finally {
			held.forEach(Admission::close);
		}
	}

	private static List<Admission> hold(BackpressureController controller, int slots) {
		List<Admission> held = new ArrayList<>();
		for (int i = 0; i < slots; i++) {
			held.add(controller.admit(Priority.HIGH));
		}
		return held;
	}

	record OrderPlaced(String id) {
	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class SchedulingConfiguration {

		@Bean
		Sweeper sweeper() {
			return new Sweeper();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class CountingSchedulingConfiguration {

		@Bean
		CountingSweeper countingSweeper() {
			return new CountingSweeper();
		}

	}

	static class CountingSweeper extends Ticking {

		/** Spring ignores what a (non-reactive) scheduled method returns: skipped, it returns the primitive's zero. */
		@Scheduled(fixedDelay = 20)
		@Prioritized(Priority.BACKGROUND)
		public int sweep() {
			return swept();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerShapesConfiguration {

		@Bean
		InterfaceListener interfaceListener() {
			return new InterfaceListener();
		}

		@Bean
		FollowingListener followingListener() {
			return new FollowingListener();
		}

		@Bean
		FollowUps followUps() {
			return new FollowUps();
		}

		@Bean
		Audit audit() {
			return new Audit();
		}

	}

	@Order(1)
	static class InterfaceListener implements ApplicationListener<PayloadApplicationEvent<OrderPlaced>> {

		private final AtomicInteger received = new AtomicInteger();

		@Override
		@Prioritized(Priority.LOW)
		public void onApplicationEvent(PayloadApplicationEvent<OrderPlaced> event) {
			this.received.incrementAndGet();
		}

		public int received() {
			return this.received.get();
		}

	}

	static class FollowingListener {

		@EventListener
		@Order(1)
		@Prioritized(Priority.LOW)
		public OrderIndexed index(OrderPlaced event) {
			return new OrderIndexed(event.id());
		}

	}

	record OrderIndexed(String id) {
	}

	static class FollowUps {

		private final AtomicInteger received = new AtomicInteger();

		@EventListener
		public void onIndexed(OrderIndexed event) {
			this.received.incrementAndGet();
		}

		public int received() {
			return this.received.get();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class PrimitiveListenerConfiguration {

		@Bean
		Scorer scorer() {
			return new Scorer();
		}

		@Bean
		Scores scores() {
			return new Scores();
		}

	}

	static class Scorer {

		@EventListener
		@Prioritized(Priority.LOW)
		public int score(OrderPlaced event) {
			return 42;
		}

	}

	static class Scores {

		private final List<Integer> received = new CopyOnWriteArrayList<>();

		@EventListener
		public void onScore(Integer score) {
			this.received.add(score);
		}

		public List<Integer> received() {
			return this.received;
		}

	}

	static class CommandListener implements ApplicationListener<ApplicationEvent> {

		private final AtomicInteger commands = new AtomicInteger();

		@Override
		public void onApplicationEvent(ApplicationEvent event) {
		}

		@Prioritized(Priority.LOW)
		public int onApplicationEvent(String command) {
			return this.commands.incrementAndGet();
		}

	}

	@Prioritized(Priority.LOW)
	static class OrderWatcher implements SmartApplicationListener {

		@Override
		public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
			return true;
		}

		@Override
		public void onApplicationEvent(ApplicationEvent event) {
		}

		/** The watcher's own work, which the type's annotation covers. */
		public void watch(String id) {
		}

	}

	abstract static class OrderEvent extends ApplicationEvent {

		OrderEvent(Object source) {
			super(source);
		}

	}

	static class Placed extends OrderEvent {

		Placed(Object source) {
			super(source);
		}

	}

	/** Erased, its delivery is {@code onApplicationEvent(OrderEvent)}, with a bridge for the interface's. */
	abstract static class BaseOrderListener<E extends OrderEvent> implements ApplicationListener<E> {

		private final AtomicInteger received = new AtomicInteger();

		@Override
		@Prioritized(Priority.LOW)
		public void onApplicationEvent(E event) {
			this.received.incrementAndGet();
		}

		public int received() {
			return this.received.get();
		}

	}

	@Order(1)
	static class PlacedListener extends BaseOrderListener<Placed> {

	}

	abstract static class AbstractPlacedListener implements ApplicationListener<Placed> {

	}

	@Prioritized(Priority.LOW)
	static class TypeLevelPlacedListener extends AbstractPlacedListener {

		private final AtomicInteger received = new AtomicInteger();

		@Override
		public void onApplicationEvent(Placed event) {
			this.received.incrementAndGet();
		}

		public void work() {
		}

		public int received() {
			return this.received.get();
		}

	}

	@Prioritized(Priority.LOW)
	static class TypeLevelPlacedWatcher {

		private final AtomicInteger received = new AtomicInteger();

		@EventListener
		public void on(Placed event) {
			this.received.incrementAndGet();
		}

		public void work() {
		}

		public int received() {
			return this.received.get();
		}

	}

	@Prioritized(Priority.LOW)
	static class PayloadRouter implements ApplicationListener<PayloadApplicationEvent<String>> {

		@Override
		public void onApplicationEvent(PayloadApplicationEvent<String> event) {
		}

		public void forPayload(Consumer<String> consumer) {
		}

	}

	static class Sweeper extends Ticking {

		@Scheduled(fixedDelay = 20)
		@Prioritized(Priority.BACKGROUND)
		public void sweep() {
			swept();
		}

	}

	/**
	 * Counts its sweeps and, on a schedule of its own that is never shed, the scheduler's ticks; proxied by its class,
	 * so the counts are read through methods.
	 */
	abstract static class Ticking {

		private final AtomicInteger sweeps = new AtomicInteger();

		private final AtomicInteger ticks = new AtomicInteger();

		@Scheduled(fixedDelay = 20)
		public void tick() {
			this.ticks.incrementAndGet();
		}

		protected int swept() {
			return this.sweeps.incrementAndGet();
		}

		public int sweeps() {
			return this.sweeps.get();
		}

		public int ticks() {
			return this.ticks.get();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class ListenerConfiguration {

		@Bean
		Indexer indexer() {
			return new Indexer();
		}

		@Bean
		Audit audit() {
			return new Audit();
		}

	}

	static class Indexer {

		private final AtomicInteger indexed = new AtomicInteger();

		@EventListener
		@Order(1)
		@Async
		@Prioritized(Priority.LOW)
		public void index(OrderPlaced event) {
			this.indexed.incrementAndGet();
		}

		@Async
		@Prioritized(Priority.LOW)
		public void reindex(String id) {
			this.indexed.incrementAndGet();
		}

		public int indexed() {
			return this.indexed.get();
		}

	}

	static class Audit {

		private final AtomicInteger count = new AtomicInteger();

		@EventListener
		@Order(2)
		public void record(OrderPlaced event) {
			this.count.incrementAndGet();
		}

		public int count() {
			return this.count.get();
		}

	}

}
