package io.zeroclaw.resilience.circuitbreaker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class CircuitBreakerRegistryTests {

	private final CircuitBreakerRegistry registry = new CircuitBreakerRegistry();

	private final AtomicInteger created = new AtomicInteger();

	private CircuitBreaker create(String name) {
		this.created.incrementAndGet();
		return new CircuitBreaker(name, CircuitBreakerConfig.defaults());
	}

	@Test
	void computeIfAbsentShouldCreateEachBreakerOnceAndFindItAfterwards() {
		CircuitBreaker llm = this.registry.computeIfAbsent("llm", this::create);
		assertThat(llm.name()).isEqualTo("llm");
		assertThat(this.registry.computeIfAbsent("llm", this::create)).isSameAs(llm);
		assertThat(this.created).hasValue(1);
		assertThat(this.registry.find("llm")).containsSame(llm);
		assertThat(this.registry.find("search")).isEmpty();
	}

	@Test
	void factoryThatNamesItsBreakerOtherwiseShouldBeRefusedAndNothingKept() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.registry.computeIfAbsent("llm", (name) -> create("search")))
			.withMessageContaining("'search'")
			.withMessageContaining("'llm'");
		assertThat(this.registry.find("llm")).isEmpty();
		assertThat(this.registry.breakers()).isEmpty();
	}

	@Test
	void breakersShouldBeSortedByNameInASnapshotThatLaterCreationsDoNotChange() {
		for (String name : List.of("search", "embeddings", "llm")) {
			this.registry.computeIfAbsent(name, this::create);
		}
		Map<String, CircuitBreaker> breakers = this.registry.breakers();
		assertThat(breakers.keySet()).containsExactly("embeddings", "llm", "search");
		this.registry.computeIfAbsent("vision", this::create);
		assertThat(breakers).hasSize(3);
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(breakers::clear);
	}

	@Test
	void observerShouldHearOfEveryBreakerOnceWhetherCreatedBeforeOrAfterIt() {
		this.registry.computeIfAbsent("search", this::create);
		this.registry.computeIfAbsent("llm", this::create);
		List<String> heard = new ArrayList<>();
		this.registry.onEachBreaker((breaker) -> heard.add(breaker.name()));
		assertThat(heard).containsExactly("llm", "search");
		this.registry.computeIfAbsent("vision", this::create);
		this.registry.computeIfAbsent("llm", this::create);
		assertThat(heard).containsExactly("llm", "search", "vision");
	}

	@Test
	void observerRemovingItselfWhenToldShouldLeaveTheOthersToBeTold() {
		List<String> heard = new ArrayList<>();
		this.registry.onEachBreaker(new Consumer<>() {
			@Override
			public void accept(CircuitBreaker breaker) {
				if (breaker.name().equals("llm")) {
					CircuitBreakerRegistryTests.this.registry.removeObserver(this); // the one breaker it waited for
				}
			}
		});
		this.registry.onEachBreaker((breaker) -> heard.add("second " + breaker.name()));
		this.registry.onEachBreaker((breaker) -> heard.add("third " + breaker.name()));
		this.registry.computeIfAbsent("search", this::create);
		this.registry.computeIfAbsent("llm", this::create);
		this.registry.computeIfAbsent("vision", this::create);
		assertThat(heard).containsExactly("second search", "third search", "second llm", "third llm", "second vision",
				"third vision");
	}

	@Test
	void observerAddingAnotherWhenToldShouldHaveItToldOfThatBreakerOnce() {
		List<String> heard = new ArrayList<>();
		this.registry.onEachBreaker(new Consumer<>() {
			@Override
			public void accept(CircuitBreaker breaker) {
				CircuitBreakerRegistryTests.this.registry.removeObserver(this);
				CircuitBreakerRegistryTests.this.registry.onEachBreaker((each) -> heard.add("late " + each.name()));
			}
		});
		this.registry.onEachBreaker((breaker) -> heard.add("early " + breaker.name()));
		this.registry.computeIfAbsent("llm", this::create);
		this.registry.computeIfAbsent("search", this::create);
		assertThat(heard).containsExactly("late llm", "early llm", "early search", "late search");
	}

}
