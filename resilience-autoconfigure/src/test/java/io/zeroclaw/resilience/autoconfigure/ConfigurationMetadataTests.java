package io.zeroclaw.resilience.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.OnFailure;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.Store;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generated configuration metadata is what IDEs show users: every property has a description and, where the
 * design gives one, its default. The README's property table is kept in step with it.
 */
class ConfigurationMetadataTests {

	private static final List<JsonNode> properties = new ArrayList<>();

	private static final List<JsonNode> hints = new ArrayList<>();

	@BeforeAll
	static void readMetadata() throws IOException {
		try (InputStream in = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(in).as("generated metadata").isNotNull();
			JsonNode metadata = JsonMapper.builder().build().readTree(in);
			metadata.get("properties").forEach(properties::add);
			metadata.path("hints").forEach(hints::add);
		}
	}

	@Test
	void everyPropertyShouldHaveADescription() {
		assertThat(properties).hasSizeGreaterThanOrEqualTo(30)
			.allSatisfy((property) -> assertThat(property.path("description").asString())
				.as(property.get("name").asString())
				.isNotBlank());
	}

	@Test
	void everyScalarPropertyOfTheDesignShouldCarryItsDefault() {
		assertThat(properties).filteredOn((property) -> !property.get("name").asString().endsWith(".filter-order"))
			.filteredOn((property) -> !property.get("type").asString().startsWith("java.util.Map"))
			.allSatisfy((property) -> assertThat(property.has("defaultValue"))
				.as(property.get("name").asString() + " has a default")
				.isTrue());
	}

	@Test
	void breakerInstanceNamesShouldBeOfferedFromEveryBeanABreakerMayGuard() {
		// a Spring AI model bean (openAiChatModel) is named there as well as a Provider: no single type covers both
		assertThat(hints).filteredOn((hint) -> hint.get("name")
			.asString()
			.equals("zeroclaw.resilience.circuit-breaker.instances.keys")).singleElement().satisfies((hint) -> {
				JsonNode provider = hint.get("providers").get(0);
				assertThat(provider.get("name").asString()).isEqualTo("spring-bean-reference");
				assertThat(provider.path("parameters").path("target").isMissingNode()).isTrue();
			});
	}

	/**
	 * The metadata cannot name the properties inside a map's entries (it has no wildcard names), so an IDE learns an
	 * entry's fields only from the map's description, which must keep up with the entry's class.
	 */
	@Test
	void mapDescriptionsShouldNameEveryFieldOfTheirEntries() {
		assertThat(description("zeroclaw.resilience.rate-limit.policies"))
			.contains(kebabCaseFields(ResilienceProperties.Policy.class));
		assertThat(description("zeroclaw.resilience.circuit-breaker.instances"))
			.contains(kebabCaseFields(ResilienceProperties.Instance.class));
	}

	@Test
	void everyEnumPropertyShouldOfferEachOfItsValuesSpelledAsTheReadmeSpellsThem() {
		assertThat(hintedValues("zeroclaw.resilience.rate-limit.key")).containsExactly(lowerCase(KeyType.values()));
		assertThat(hintedValues("zeroclaw.resilience.rate-limit.store")).containsExactly(lowerCase(Store.values()));
		assertThat(hintedValues("zeroclaw.resilience.rate-limit.redis.on-failure"))
			.containsExactly(lowerCase(OnFailure.values()));
		assertThat(properties).filteredOn((property) -> property.get("type").asString().contains("$"))
			.filteredOn((property) -> !property.get("type").asString().startsWith("java.util.Map"))
			.extracting((property) -> property.get("name").asString())
			.as("the enum-valued properties, each with its hint")
			.containsExactlyInAnyOrder("zeroclaw.resilience.rate-limit.key", "zeroclaw.resilience.rate-limit.store",
					"zeroclaw.resilience.rate-limit.redis.on-failure");
	}

	private static List<String> hintedValues(String name) {
		List<String> values = new ArrayList<>();
		hints.stream()
			.filter((hint) -> hint.get("name").asString().equals(name))
			.findFirst()
			.orElseThrow()
			.get("values")
			.forEach((value) -> {
				assertThat(value.path("description").asString()).as(name + " " + value).isNotBlank();
				values.add(value.get("value").asString());
			});
		return values;
	}

	private static String[] lowerCase(Enum<?>[] constants) {
		return Arrays.stream(constants).map((constant) -> constant.name().toLowerCase(Locale.ROOT))
			.toArray(String[]::new);
	}

	private static String description(String name) {
		return properties.stream()
			.filter((property) -> property.get("name").asString().equals(name))
			.findFirst()
			.orElseThrow()
			.get("description")
			.asString();
	}

	private static String[] kebabCaseFields(Class<?> type) {
		List<String> names = new ArrayList<>();
		for (Field field : type.getDeclaredFields()) {
			if (!Modifier.isStatic(field.getModifiers())) {
				names.add(field.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT));
			}
		}
		assertThat(names).as("fields of " + type.getSimpleName()).isNotEmpty();
		return names.toArray(String[]::new);
	}

	@Test
	void healthContributorSwitchShouldBeDescribedAsSpringBootDescribesItsOwn() {
		assertThat(properties).filteredOn((property) -> property.get("name")
			.asString()
			.equals("management.health.resilience.enabled")).singleElement().satisfies((property) -> {
				assertThat(property.get("type").asString()).isEqualTo("java.lang.Boolean");
				assertThat(property.get("defaultValue").asBoolean()).isTrue();
			});
	}

	@Test
	void readmePropertyTableShouldNameEveryProperty() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		assertThat(properties).filteredOn((property) -> property.get("name").asString().startsWith("zeroclaw."))
			.hasSizeGreaterThanOrEqualTo(30)
			.allSatisfy((property) -> {
			String name = property.get("name").asString();
			boolean map = property.get("type").asString().startsWith("java.util.Map");
			assertThat(readme).as("README documents " + name).contains("| `" + name + (map ? "." : "`"));
		});
	}

	@Test
	void everyAutoConfigurationShouldBeInTheMetadataThatLetsStartUpSkipItEarly() throws IOException {
		// Spring Boot reads spring-autoconfigure-metadata.properties to drop auto-configurations whose classes are
		// missing before it loads them; one left out of it is loaded only to find its conditions unmet
		Properties metadata = new Properties();
		try (InputStream in = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-autoconfigure-metadata.properties")) {
			assertThat(in).as("generated auto-configuration metadata").isNotNull();
			metadata.load(in);
		}
		List<String> autoConfigurations = Files.readAllLines(Path.of("src/main/resources/META-INF/spring",
				"org.springframework.boot.autoconfigure.AutoConfiguration.imports"));
		assertThat(autoConfigurations).hasSizeGreaterThanOrEqualTo(6)
			.allSatisfy((name) -> assertThat(metadata).containsKey(name));
		assertThat(metadata.getProperty(
				"io.zeroclaw.resilience.autoconfigure.actuate.ResilienceActuatorAutoConfiguration.ConditionalOnClass"))
			.isEqualTo("org.springframework.boot.actuate.endpoint.annotation.Endpoint");
	}

}
