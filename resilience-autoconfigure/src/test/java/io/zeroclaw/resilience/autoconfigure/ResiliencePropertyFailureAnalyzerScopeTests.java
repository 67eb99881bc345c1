package io.zeroclaw.resilience.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter's failure analyzers explain the starter's own properties, say where a bad value was written, and leave
 * every other binding failure to Spring Boot's report.
 */
class ResiliencePropertyFailureAnalyzerScopeTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ResilienceAutoConfiguration.class));

	@Test
	void groupOfAnotherLibraryWrittenAsAValueShouldGetSpringBootsReport() {
		this.contextRunner.withUserConfiguration(AcmeConfiguration.class)
			.withPropertyValues("acme.routes=/webhook/**")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("acme.routes").doesNotContain("ZeroClaw Resilience");
			});
	}

	@Test
	void groupWrittenAsAValueInAFileShouldSayWhereItIsWritten() throws Exception {
		String yaml = "zeroclaw:\n  resilience:\n    rate-limit:\n      policies: /webhook/**\n";
		List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("application.yml",
				new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8), "application.yml"));
		this.contextRunner
			.withInitializer((context) -> sources.forEach(context.getEnvironment().getPropertySources()::addFirst))
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = FailureAnalysisSupport.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("'zeroclaw.resilience.rate-limit.policies'")
					.contains("('/webhook/**', Byte array resource [application.yml] - 4:17)");
			});
	}

	@EnableConfigurationProperties(AcmeProperties.class)
	static class AcmeConfiguration {

	}

	@ConfigurationProperties("acme")
	static class AcmeProperties {

		private Map<String, String> routes = new LinkedHashMap<>();

		public Map<String, String> getRoutes() {
			return this.routes;
		}

		public void setRoutes(Map<String, String> routes) {
			this.routes = routes;
		}

	}

}
