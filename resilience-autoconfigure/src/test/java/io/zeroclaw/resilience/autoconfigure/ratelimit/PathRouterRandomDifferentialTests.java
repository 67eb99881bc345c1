package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random rules (patterns built as the filter builds them, some for one method, some excluding, some with no pattern)
 * and random paths: request URIs, paths parsed as the filter parses a served path (no decoding, parameters kept) and
 * decoded paths; the router chooses the rule that matching every pattern in order against the parsed path chooses.
 */
class PathRouterRandomDifferentialTests {

	private static final String[] PATTERN_SEGMENTS = { "a", "b", "A", "api", "v1", ".", "..", "a.b", "a:b", "x@y",
			"-", "~", "", "*", "**", "{id}", "{*rest}", "a*", "?", "a?", "{x:[a-z]+}", "%61", "a;b", "ä", "a b",
			"api.json", "{id}.json", "v1-{id}" };

	private static final String[] PATH_SEGMENTS = { "a", "b", "A", "api", "v1", ".", "..", "a.b", "a:b", "x@y", "-",
			"~", "", "%61", "%2F", "a;x=1", ";", "ä", "%C3%A4", "api.json", "aa", "x", "v1-7", "7.json", "*" };

	private static final String[] CONTEXT_PATHS = { null, "", "/app", "/a" };

	/** For parsed paths: segments that hold an encoded or a decoded separator, or parameters. */
	private static final String[] SEPARATOR_PATTERN_SEGMENTS = { "a", "b", "api", "v1", ".", "..", "a.b", "a:b", "-",
			"~", "", "*", "**", "{id}", "{*rest}", "a*", "?", "{x:.+}", "%2F", "a%2Fb", "a;b", "a;x=1", "%61", "a b",
			"ä", "{x:[a-z/]+}" };

	private static final String[] SEPARATOR_PATH_SEGMENTS = { "a", "b", "api", "v1", ".", "..", "a.b", "a:b", "-",
			"~", "", "%61", "%2F", "%2f", "a%2Fb", "a%2fb", "api%2Fv1", "a;x=1", ";", ";a", "a;b", "ä", "%C3%A4",
			"a b", "a%20b", "*", "%2F%2F", "a%252Fb", "\\", "a\\b" };

	private static final PathContainer.Options SERVED_PATH = PathContainer.Options.create('/', false);

	@Test
	void randomRulesShouldRouteRandomServedPathsAsMatchingEveryPatternInOrderDoes() {
		assertThat(mismatches(SERVED_PATH)).isEmpty();
	}

	@Test
	void randomRulesShouldRouteRandomDecodedPathsAsMatchingEveryPatternInOrderDoes() {
		assertThat(mismatches(PathContainer.Options.HTTP_PATH)).isEmpty();
	}

	@Test
	void randomRulesShouldRouteRandomPathsAsTheParsedPathMatchesThem() {
		Random random = new Random(20261201);
		List<String> mismatches = new ArrayList<>();
		for (int round = 0; round < 3000 && mismatches.size() < 20; round++) {
			RandomRules rules = new RandomRules(random, 1 + random.nextInt(12), PATTERN_SEGMENTS);
			PathRouter<String> router = rules.router();
			for (int p = 0; p < 60; p++) {
				String contextPath = CONTEXT_PATHS[random.nextInt(CONTEXT_PATHS.length)];
				String path = randomPath(random, PATH_SEGMENTS);
				String requestUri = ((contextPath != null) ? contextPath : "") + path;
				String httpMethod = random.nextBoolean() ? "GET" : "POST";
				String expected = outcome(() -> "index" + rules.firstMatch(
						RequestPath.parse(requestUri, contextPath).pathWithinApplication(), httpMethod));
				String actual = outcome(() -> "index" + router.ruleIndex(requestUri, contextPath, httpMethod));
				if (!expected.equals(actual)) {
					mismatches.add(rules + ", URI '" + requestUri
							+ "', context path '" + contextPath + "', " + httpMethod + ": expected " + expected
							+ ", got " + actual);
				}
			}
		}
		assertThat(mismatches).isEmpty();
	}

	private static List<String> mismatches(PathContainer.Options options) {
		Random random = new Random(19600);
		List<String> mismatches = new ArrayList<>();
		for (int round = 0; round < 4000 && mismatches.size() < 20; round++) {
			RandomRules rules = new RandomRules(random, 1 + random.nextInt(10), SEPARATOR_PATTERN_SEGMENTS);
			PathRouter<String> router = rules.router();
			for (int p = 0; p < 80; p++) {
				String text = randomPath(random, SEPARATOR_PATH_SEGMENTS);
				PathContainer path;
				try {
					path = PathContainer.parsePath(text, options);
				}
				catch (IllegalArgumentException ex) {
					continue;
				}
				String httpMethod = random.nextBoolean() ? "GET" : "POST";
				int expected = rules.firstMatch(path, httpMethod);
				int actual = router.ruleIndex(path, httpMethod);
				if (expected != actual) {
					mismatches.add(rules + ", path '" + text + "', " + httpMethod + ": expected "
							+ expected + ", got " + actual);
				}
			}
		}
		return mismatches;
	}

	/**
	 * Random rules: up to three patterns each (none for some: the default policy with no include-paths), built as the
	 * filter builds them; one in four for GET only; one in six excluding (no target).
	 */
	private static final class RandomRules {

		private final List<PathRouter.Rule<String>> rules = new ArrayList<>();

		RandomRules(Random random, int count, String[] segmentsToChoose) {
			while (this.rules.size() < count) {
				List<PathPattern> patterns = new ArrayList<>();
				int patternCount = random.nextInt(4);
				while (patterns.size() < patternCount) {
					try {
						String text = randomPattern(random, segmentsToChoose);
						patterns.add(PathPatternParser.defaultInstance
							.parse(PathPatternParser.defaultInstance.initFullPathPattern(text)));
					}
					catch (PatternParseException ex) {
						// not a pattern the filter would start with
					}
				}
				Predicate<String> methods = (random.nextInt(4) == 0) ? "GET"::equals : null;
				String target = (random.nextInt(6) == 0) ? null : "rule" + this.rules.size();
				this.rules.add(new PathRouter.Rule<>(patterns, target, methods));
			}
		}

		PathRouter<String> router() {
			return new PathRouter<>(this.rules, PathRouter.PathParser.REQUEST_PATH);
		}

		/** The index of the first rule for the method with a pattern that matches the path, or {@code -1}. */
		int firstMatch(PathContainer path, String method) {
			for (int i = 0; i < this.rules.size(); i++) {
				PathRouter.Rule<String> rule = this.rules.get(i);
				if ((rule.methods() == null || rule.methods().test(method))
						&& rule.patterns().stream().anyMatch((pattern) -> pattern.matches(path))) {
					return i;
				}
			}
			return -1;
		}

		@Override
		public String toString() {
			return "rules " + this.rules.stream()
				.map((rule) -> rule.patterns() + ((rule.methods() != null) ? " GET" : ""))
				.toList();
		}

	}

	private static String randomPattern(Random random, String[] segmentsToChoose) {
		StringBuilder text = new StringBuilder();
		int segments = random.nextInt(5);
		for (int i = 0; i < segments; i++) {
			text.append('/').append(segmentsToChoose[random.nextInt(segmentsToChoose.length)]);
		}
		if (segments == 0 || random.nextInt(6) == 0) {
			text.append('/');
		}
		return text.toString();
	}

	private static String randomPath(Random random, String[] segmentsToChoose) {
		StringBuilder text = new StringBuilder();
		int segments = random.nextInt(6);
		for (int i = 0; i < segments; i++) {
			text.append('/').append(segmentsToChoose[random.nextInt(segmentsToChoose.length)]);
		}
		if (random.nextInt(5) == 0) {
			text.append('/');
		}
		return text.toString();
	}

	private static String outcome(Routing routing) {
		try {
			return routing.route();
		}
		catch (RuntimeException ex) {
			return ex.getClass().getSimpleName();
		}
	}

	@FunctionalInterface
	private interface Routing {

		String route();

	}

}
