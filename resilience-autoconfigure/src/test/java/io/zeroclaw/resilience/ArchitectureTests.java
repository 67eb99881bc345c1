package io.zeroclaw.resilience;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The primitives are plain Java: usable, testable and benchmarkable without Spring. Only the {@code autoconfigure}
 * packages (and the Redis store, which is built on Spring Data Redis) may depend on Spring.
 */
class ArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.zeroclaw.resilience");

	@Test
	void plainJavaPackagesShouldNotDependOnSpring() {
		noClasses().that()
			.resideInAnyPackage("io.zeroclaw.resilience.ratelimit", "io.zeroclaw.resilience.circuitbreaker",
					"io.zeroclaw.resilience.backpressure", "io.zeroclaw.resilience.provider")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..")
			.because("the primitives must be usable and benchmarkable on their own")
			.check(this.classes);
	}

	@Test
	void primitivesShouldNotDependOnTheSpringGlue() {
		noClasses().that()
			.resideInAnyPackage("io.zeroclaw.resilience.ratelimit..", "io.zeroclaw.resilience.circuitbreaker..",
					"io.zeroclaw.resilience.backpressure..", "io.zeroclaw.resilience.provider..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("io.zeroclaw.resilience.autoconfigure..")
			.because("the glue depends on the primitives, never the other way round")
			.check(this.classes);
	}

}
