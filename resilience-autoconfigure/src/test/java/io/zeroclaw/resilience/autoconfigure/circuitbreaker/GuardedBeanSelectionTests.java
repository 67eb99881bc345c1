package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.util.Arrays;

import io.zeroclaw.resilience.autoconfigure.ResilienceAutoConfiguration;
import io.zeroclaw.resilience.circuitbreaker.CircuitBreakerRegistry;
import io.zeroclaw.resilience.provider.Provider;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which beans the breakers' post-processor leaves alone, and which calls of a guarded bean it treats as upstream
 * calls: an {@code enabled=false} instance key in any relaxed form, but not one spelling another bean's exact name;
 * only the methods of the upstream types the bean itself is.
 */
class GuardedBeanSelectionTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(ResilienceAutoConfiguration.class, CircuitBreakerAutoConfiguration.class))
		.withPropertyValues("zeroclaw.resilience.circuit-breaker.enabled=true");

	@Test
	void instanceDisabledUnderAKebabCaseKeyShouldLeaveTheBeanAlone() {
		this.contextRunner.withUserConfiguration(OpenAiChatConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.open-ai-chat.enabled=false")
			.run((context) -> {
				assertThat(AopUtils.isAopProxy(context.getBean("openAiChat"))).isFalse();
				assertThat(context.getBean(CircuitBreakerRegistry.class).breakers()).isEmpty();
			});
	}

	@Test
	void instanceDisabledUnderOneBeansExactNameShouldNotDisableABeanNamedLikeItInAnotherCase() {
		this.contextRunner.withUserConfiguration(OpenAiChatConfiguration.class, OtherCaseConfiguration.class)
			.withPropertyValues("zeroclaw.resilience.circuit-breaker.instances.OpenAiChat.enabled=false")
			.run((context) -> {
				assertThat(AopUtils.isAopProxy(context.getBean("OpenAiChat"))).isFalse();
				assertThat(AopUtils.isAopProxy(context.getBean("openAiChat"))).isTrue();
				assertThat(context.getBean(CircuitBreakerRegistry.class).breakers()).containsOnlyKeys("openAiChat");
			});
	}

	@Test
	void accessorOfAProviderNamedLikeAnEmbeddingModelMethodShouldAnswerWhileTheBreakerIsOpen() {
		this.contextRunner.withUserConfiguration(OpenAiChatConfiguration.class).run((context) -> {
			context.getBean(CircuitBreakerRegistry.class).find("openAiChat").orElseThrow().transitionToOpen();
			// not an EmbeddingModel: its dimensions() is a record-style accessor of a final field, answered locally
			assertThat(context.getBean("openAiChat", OpenAiChat.class).dimensions()).isEqualTo(1536);
		});
	}

	@Test
	void beanThatIsAnotherGuardedBeanShouldNotGetASecondBreaker() {
		this.contextRunner.withUserConfiguration(OpenAiChatConfiguration.class, AliasConfiguration.class)
			.run((context) -> {
				Object alias = context.getBean("defaultChat");
				assertThat(alias).isSameAs(context.getBean("openAiChat"));
				assertThat(Arrays.stream(((Advised) alias).getAdvisors())
					.filter((advisor) -> advisor.getAdvice() instanceof CircuitBreakerInterceptor)).hasSize(1);
				assertThat(context.getBean(CircuitBreakerRegistry.class).breakers()).containsOnlyKeys("openAiChat");
			});
	}

	static class OpenAiChat implements Provider {

		private final int dimensions = 1536;

		@Override
		public String chatWithSystem(String systemPrompt, String message, String model, double temperature) {
			return "reply";
		}

		public int dimensions() {
			return this.dimensions;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OpenAiChatConfiguration {

		@Bean
		OpenAiChat openAiChat() {
			return new OpenAiChat();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class AliasConfiguration {

		@Bean
		Provider defaultChat(OpenAiChat openAiChat) {
			return openAiChat;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OtherCaseConfiguration {

		@Bean("OpenAiChat")
		OpenAiChat otherCase() {
			return new OpenAiChat();
		}

	}

}
