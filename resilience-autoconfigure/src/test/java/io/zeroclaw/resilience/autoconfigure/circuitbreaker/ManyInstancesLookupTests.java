package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Instance;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.support.GenericApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of upstream beans, each tuned under the dashed form of its name (as a YAML file or an environment variable
 * spells it): finding each bean's entry must not walk every entry, which made start-up grow with the square of the
 * beans (20 s for 8 000 of them).
 */
class ManyInstancesLookupTests {

	private static final int BEANS = 2000;

	public static class ManyProvider extends AnsweringProvider {
	}

	/** The instances map, counting the keys and entries that passes over it walk through. */
	static final class CountingInstances extends LinkedHashMap<String, Instance> {

		static final AtomicLong visited = new AtomicLong();

		CountingInstances(Map<String, Instance> bound) {
			super(bound);
		}

		@Override
		public Set<Map.Entry<String, Instance>> entrySet() {
			return counting(super.entrySet());
		}

		@Override
		public Set<String> keySet() {
			return counting(super.keySet());
		}

		private static <E> Set<E> counting(Set<E> elements) {
			return new AbstractSet<>() {

				@Override
				public Iterator<E> iterator() {
					Iterator<E> iterator = elements.iterator();
					return new Iterator<>() {

						@Override
						public boolean hasNext() {
							return iterator.hasNext();
						}

						@Override
						public E next() {
							visited.incrementAndGet();
							return iterator.next();
						}

					};
				}

				@Override
				public int size() {
					return elements.size();
				}

			};
		}

	}

	/** Swaps the bound instances map for a counting copy, once binding is done. */
	static final class CountingSwap implements BeanPostProcessor {

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) {
			if (bean instanceof ResilienceProperties properties) {
				properties.getCircuitBreaker()
					.setInstances(new CountingInstances(properties.getCircuitBreaker().getInstances()));
			}
			return bean;
		}

	}

	@Test
	void eachProviderFindsItsDashedInstanceEntryWithoutWalkingEveryOtherEntry() {
		String[] properties = new String[BEANS + 1];
		properties[0] = "zeroclaw.resilience.circuit-breaker.enabled=true";
		for (int i = 0; i < BEANS; i++) {
			// the dashed spelling a YAML file or an environment variable gives of the bean name manyProvider<i>
			properties[i + 1] = "zeroclaw.resilience.circuit-breaker.instances.many-provider" + i
					+ ".failure-threshold=7";
		}
		CountingInstances.visited.set(0);
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
			.withPropertyValues(properties)
			.withInitializer((context) -> {
				BeanDefinitionRegistry registry = (GenericApplicationContext) context;
				registry.registerBeanDefinition("countingSwap", new RootBeanDefinition(CountingSwap.class));
				for (int i = 0; i < BEANS; i++) {
					registry.registerBeanDefinition("manyProvider" + i, new RootBeanDefinition(ManyProvider.class));
				}
			})
			.run((context) -> {
				assertThat(context).hasNotFailed();
				CircuitBreakerRegistry breakers = context.getBean(CircuitBreakerRegistry.class);
				assertThat(breakers.find("manyProvider1999").orElseThrow().config().failureThreshold()).isEqualTo(7);
				// a lookup per bean should cost about one entry, not one pass over all of them
				assertThat(CountingInstances.visited.get()).isLessThan(10L * BEANS);
			});
	}

}
