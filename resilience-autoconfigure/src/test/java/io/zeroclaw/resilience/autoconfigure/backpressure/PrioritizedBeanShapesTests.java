package io.zeroclaw.resilience.autoconfigure.backpressure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.backpressure.BackpressureController;
import io.zeroclaw.resilience.backpressure.Prioritized;
import io.zeroclaw.resilience.backpressure.Priority;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Prioritized} on a class that cannot be subclassed: proxied by its interfaces, or refused with a message
 * saying why when it has none.
 */
class PrioritizedBeanShapesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class, BackpressureAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.backpressure.enabled=true");

	@Test
	void prioritizedRecordShouldBeAdmittedThroughItsInterface() {
		this.runner.withUserConfiguration(RecordWorkerConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed(); // without the starter (or with it disabled) this bean is fine
			assertThat(context.getBean(Work.class).depthDuringCall()).isEqualTo(1);
		});
	}

	@Test
	void prioritizedFinalClassWithoutInterfacesShouldFailStartUpSayingWhy() {
		this.runner.withBean("loner", FinalWorker.class, FinalWorker::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'loner' has @Prioritized methods")
				.hasMessageContaining("implements no interface"));
	}

	@Test
	void prioritizedFinalMethodOfASubclassableClassShouldFailStartUpNamingIt() {
		this.runner.withBean("halfOpen", FinalMethodWorker.class, FinalMethodWorker::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'halfOpen' has @Prioritized methods [run] that are final")
				.hasMessageContaining("in Kotlin: open"));
	}

	@Test
	void prioritizedFinalMethodOfABeanAnotherPostProcessorProxiedAsASubclassShouldFailStartUpNamingIt() {
		this.runner.withUserConfiguration(AsyncConfiguration.class)
			.withBean("halfOpenAsync", AsyncFinalMethodWorker.class, AsyncFinalMethodWorker::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'halfOpenAsync' has @Prioritized methods [run] that are final"));
	}

	@Test
	void prioritizedFinalMethodDeclaredByAnInterfaceShouldBeAdmittedThroughIt() {
		this.runner.withBean("viaInterface", FinalInterfaceMethodWorker.class, FinalInterfaceMethodWorker::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				FinalInterfaceMethodWorker.controller = context.getBean(BackpressureController.class);
				assertThat(context.getBean(Work.class).depthDuringCall()).isEqualTo(1);
			});
	}

	/** The final method implements a generic interface's: the compiler's bridge is not final, the method is. */
	@Test
	void prioritizedFinalMethodImplementingAGenericInterfaceMethodShouldBeAdmittedThroughIt() {
		this.runner.withBean("sink", HalfFinalSink.class, HalfFinalSink::new).run((context) -> {
			assertThat(context).hasNotFailed();
			HalfFinalSink.controller = context.getBean(BackpressureController.class);
			@SuppressWarnings("unchecked")
			Sink<String> sink = context.getBean(Sink.class);
			sink.accept("report");
			assertThat(HalfFinalSink.depths).containsExactly(1);
		});
	}

	@Test
	void finalMethodOfATypeLevelPrioritizedClassShouldFailStartUpNamingIt() {
		this.runner.withBean("typeLevel", TypeLevelWorker.class, () -> new TypeLevelWorker("report"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'typeLevel' has @Prioritized methods [describe] that are final"));
	}

	@Test
	void privateOrStaticPrioritizedMethodsShouldFailStartUpNamingThem() {
		this.runner.withBean("hidden", HiddenWorker.class, HiddenWorker::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'hidden' has @Prioritized methods [runPrivately, runStatically] that are "
						+ "private or static"));
	}

	@Test
	void typeLevelPrioritizedLifecycleShouldBeStoppedAtClose() {
		AtomicBoolean stopped = new AtomicBoolean();
		this.runner.withPropertyValues("zeroclaw.resilience.backpressure.max-queue-depth=10")
			.withBean("consumer", LifecycleWorker.class, () -> new LifecycleWorker(stopped))
			.run((context) -> {
				LifecycleWorker consumer = context.getBean(LifecycleWorker.class);
				assertThat(consumer.isRunning()).isTrue();
				assertThat(consumer.depthDuringCall(context.getBean(BackpressureController.class)))
					.as("its own work is admitted")
					.isEqualTo(1);
			});
		assertThat(stopped).as("stop() ran although the drain admits only CRITICAL work by then").isTrue();
	}

	@Test
	void workDeclaredByAnInterfaceExtendingACallbackInterfaceShouldStillBeAdmitted() {
		this.runner.withBean("session", LowSession.class, LowSession::new).run((context) -> {
			LowSession.controller = context.getBean(BackpressureController.class);
			AgentSession session = context.getBean(AgentSession.class);
			assertThat(session.depthDuringAsk()).as("the type's own work, declared where close() is").isEqualTo(1);
			session.getOrder();
			assertThat(LowSession.depthInGetOrder).as("Ordered.getOrder() is the container's").isZero();
		});
	}

	@Test
	void prioritizedMethodNoInterfaceDeclaresOnAnInterfaceProxiedBeanShouldFailStartUpNamingIt() {
		this.runner.withBean("chat", RecordChat.class, () -> new RecordChat("m"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'chat' has @Prioritized methods [summarize] that none of its interfaces "
						+ "declares"));
	}

	/**
	 * An interface proxy's class carries no {@code @EventListener} methods: unless the bean's own class is exposed,
	 * as Spring's proxying post-processors do, the listener is never registered and its events go nowhere.
	 */
	@Test
	void listenerOnABeanProxiedByItsInterfacesShouldReceiveEventsUnderAdmission() {
		this.runner.withBean("indexer", FinalIndexer.class, FinalIndexer::new).run((context) -> {
			assertThat(AopUtils.isJdkDynamicProxy(context.getBean("indexer"))).isTrue();
			FinalIndexer.controller = context.getBean(BackpressureController.class);
			context.publishEvent(new OrderPlaced("o-1"));
			assertThat(context.getBean(Indexes.class).depthsDuringDelivery()).containsExactly(1);
		});
	}

	/** Spring's scheduling calls a method returning a publisher through the interface that declares it. */
	@Test
	void publisherScheduledMethodAnInterfaceDeclaresShouldRunOnABeanProxiedByItsInterfaces() {
		this.runner.withUserConfiguration(PollerConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(AopUtils.isJdkDynamicProxy(context.getBean("poller"))).isTrue();
			Poller poller = (Poller) ((Advised) context.getBean("poller")).getTargetSource().getTarget();
			await().atMost(Duration.ofSeconds(10)).until(() -> poller.polls.get() >= 2);
		});
	}

	@Test
	void listenerNoInterfaceDeclaresOnABeanProxiedByItsInterfacesShouldFailStartUpNamingIt() {
		this.runner.withBean("audited", AuditedWorker.class, AuditedWorker::new)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'audited' has @Prioritized methods")
				.hasMessageContaining("its @EventListener or @Scheduled methods [on(OrderPlaced)] through that proxy")
				.hasMessageContaining("Make the class non-final"));
	}

	/** The parent's scheduling runs only the parent's beans: nothing in the child is scheduled. */
	@Test
	void schedulingInAParentContextShouldNotRefuseAChildBeanScheduledMethodsNoInterfaceDeclares() {
		try (AnnotationConfigApplicationContext parent = new AnnotationConfigApplicationContext(
				ParentScheduling.class)) {
			this.runner.withParent(parent)
				.withBean("worker", UnscheduledWorker.class, UnscheduledWorker::new)
				.run((context) -> assertThat(context).hasNotFailed());
		}
	}

	record OrderPlaced(String id) {
	}

	interface Indexes {

		void index(OrderPlaced event);

		List<Integer> depthsDuringDelivery();

	}

	static final class FinalIndexer implements Indexes {

		static BackpressureController controller;

		private final List<Integer> depths = new CopyOnWriteArrayList<>();

		@Override
		@EventListener
		@Prioritized(Priority.LOW)
		public void index(OrderPlaced event) {
			this.depths.add(controller.depth());
		}

		@Override
		public List<Integer> depthsDuringDelivery() {
			return this.depths;
		}

	}

	public interface Sink<T> {

		void accept(T item);

	}

	static class HalfFinalSink implements Sink<String> {

		static BackpressureController controller;

		static final List<Integer> depths = new CopyOnWriteArrayList<>();

		@Override
		@Prioritized(Priority.LOW)
		public final void accept(String item) {
			depths.add(controller.depth());
		}

	}

	public interface Polling {

		Mono<Void> poll();

	}

	static final class Poller implements Polling {

		final AtomicInteger polls = new AtomicInteger();

		@Override
		@Scheduled(fixedDelay = 20)
		@Prioritized(Priority.BACKGROUND)
		public Mono<Void> poll() {
			return Mono.fromRunnable(this.polls::incrementAndGet);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class PollerConfiguration {

		@Bean
		Poller poller() {
			return new Poller();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class ParentScheduling {

	}

	static final class UnscheduledWorker implements Work {

		@Override
		@Prioritized(Priority.LOW)
		public int depthDuringCall() {
			return 0;
		}

		@Scheduled(fixedDelay = 60_000)
		public Mono<Void> housekeeping() {
			return Mono.empty();
		}

	}

	static final class AuditedWorker implements Work {

		@Override
		@Prioritized(Priority.LOW)
		public int depthDuringCall() {
			return 0;
		}

		@EventListener
		public void on(OrderPlaced event) {
		}

	}

	/** A work interface that is also closeable and ordered, shapes application interfaces often take. */
	interface AgentSession extends AutoCloseable, Ordered {

		int depthDuringAsk();

		@Override
		void close();

	}

	@Prioritized(Priority.LOW)
	static final class LowSession implements AgentSession {

		static BackpressureController controller;

		static int depthInGetOrder = -1;

		@Override
		public int depthDuringAsk() {
			return controller.depth();
		}

		@Override
		public int getOrder() {
			depthInGetOrder = (controller != null) ? controller.depth() : -1;
			return 0;
		}

		@Override
		public void close() {
		}

	}

	interface Chat {

		String ask(String question);

	}

	/** A record is proxied by its interfaces: no caller reaches summarize() through the proxy. */
	record RecordChat(String model) implements Chat {

		@Override
		@Prioritized
		public String ask(String question) {
			return question;
		}

		@Prioritized(Priority.LOW)
		public String summarize(String text) {
			return text;
		}

	}

	/** Private and static methods are called without any proxy in the way. */
	static class HiddenWorker {

		public void submit() {
			runPrivately();
			runStatically();
		}

		@Prioritized(Priority.LOW)
		private void runPrivately() {
		}

		@Prioritized(Priority.LOW)
		static void runStatically() {
		}

	}

	/** An agent queue's consumer: its work at LOW, started and stopped with the application, after the drain. */
	@Prioritized(Priority.LOW)
	static class LifecycleWorker implements SmartLifecycle {

		private final AtomicBoolean stopped;

		private volatile boolean running;

		LifecycleWorker(AtomicBoolean stopped) {
			this.stopped = stopped;
		}

		public int depthDuringCall(BackpressureController controller) {
			return controller.depth();
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
			this.stopped.set(true);
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return 0;
		}

	}

	/** As a Kotlin {@code @Prioritized open class TypeLevelWorker(val task: String)} whose members are not open. */
	@Prioritized(Priority.LOW)
	static class TypeLevelWorker {

		private final String task;

		TypeLevelWorker(String task) {
			this.task = task;
		}

		public void run() {
		}

		public final String describe() {
			return this.task;
		}

	}

	@Test
	void finalOverloadThatDoesTheWorkItselfShouldFailStartUpNamingIt() {
		this.runner.withBean("reports", ReportWorker.class, () -> new ReportWorker("acme"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Bean 'reports' has @Prioritized methods [run] that are final"));
	}

	/**
	 * As a Kotlin {@code @Prioritized(Priority.LOW) open class ReportWorker(val tenant: String)} with an
	 * {@code open fun run(task: String, retries: Int)} and a hand-written {@code fun run(task: String)}, not open:
	 * not the overload {@code @JvmOverloads} makes, which only hands on to {@code run$default}.
	 */
	@Prioritized(Priority.LOW)
	static class ReportWorker {

		private final String tenant;

		ReportWorker(String tenant) {
			this.tenant = tenant;
		}

		public String run(String task, int retries) {
			return this.tenant + ":" + task + " x" + retries;
		}

		public final String run(String task) {
			return this.tenant + ":" + task;
		}

	}

	/** Not final itself, as a Kotlin {@code open class} whose members are not {@code open}. */
	static class FinalMethodWorker {

		@Prioritized
		public final void run() {
		}

		public void other() {
		}

	}

	/** Proxied as a subclass by {@code @EnableAsync} before {@code @Prioritized} advice is added to it. */
	static class AsyncFinalMethodWorker {

		@Prioritized
		public final void run() {
		}

		@Async
		public void other() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

	}

	static class FinalInterfaceMethodWorker implements Work {

		static BackpressureController controller;

		@Override
		@Prioritized
		public final int depthDuringCall() {
			return controller.depth();
		}

	}

	static final class FinalWorker {

		@Prioritized
		public void run() {
		}

	}

	interface Work {

		int depthDuringCall();

	}

	record RecordWorker(ObjectProvider<BackpressureController> controller) implements Work {

		@Override
		@Prioritized
		public int depthDuringCall() {
			return this.controller.getObject().depth();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RecordWorkerConfiguration {

		@Bean
		Work recordWorker(ObjectProvider<BackpressureController> controller) {
			return new RecordWorker(controller);
		}

	}

}
