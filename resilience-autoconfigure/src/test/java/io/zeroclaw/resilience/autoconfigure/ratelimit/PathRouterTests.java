package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link PathRouter} routes every request path exactly as matching each pattern against the fully parsed path would,
 * and parses only when it must.
 */
class PathRouterTests {

	private static final List<String> PATTERNS = List.of("/webhook", "/webhook/", "/", "/a/b", "/a/b/c", "/a.b",
			"/Webhook", "/a:b", "/a@b", "/a-b_c~d", "/a!$&'()+,=b", "/web%68ook", "/a%20b", "/a;b", "/a//b", "//a",
			"/ä", "/a b", "/a\\b", "/**", "/a/*", "/a/**", "/a/b/**", "/actuator/**", "/a//**", "//**", "/a/*/**",
			"/a b/**", "/web%68ook/**", "/a;b/**", "/**/b", "/a/{id}", "/a/{*rest}", "/{*rest}", "/a?c", "/we*",
			"/a*/**", "webhook", "a/b", "a/**", "");

	private static final List<String> PATHS = List.of("", "/", "//", "/webhook", "/webhook/", "//webhook",
			"/webhook//", "/web%68ook", "/web%68ook/", "/webhook;x=1", "/webhook;", "/webhook/;x", "/WEBHOOK",
			"/Webhook", "/webhookx", "/webhoo", "/webhook/x", "/a/b", "/a//b", "/a/b/", "/a/b/c", "/a%2Fb", "/a%2fb",
			"/a.b", "/a:b", "/a@b", "/a-b_c~d", "/a!$&'()+,=b", "/a%20b", "/a%2520b", "/a b", "/a\\b", "/ä",
			"/%C3%A4", "/a;b", "/a;b=1", "//a", "/abc", "/a/x", "/we", "webhook", "a/b", "*", "/web%zzook",
			"/webhook%", "/a", "/a/", "/ab", "/a//", "/a//x", "/a/b/c/d", "/a/b/", "/actuator", "/actuator/",
			"/actuator/health", "/actuator/health/liveness", "/actuators", "/actuator;x/health", "/actuator%2Fhealth",
			"/%61ctuator/health", "//actuator", "/a b/c", "/web%68ook/x");

	private static final List<String> CONTEXT_PATHS = Arrays.asList(null, "", "/app", "/", "/app/", "app", " ",
			"/a//b");

	@Test
	void eachPatternShouldMatchExactlyThePathsTheParsedPathMatches() {
		List<String> mismatches = new ArrayList<>();
		for (String pattern : PATTERNS) {
			PathPattern parsed = PathPatternParser.defaultInstance.parse(pattern);
			PathRouter<String> router = new PathRouter<>(List.of(new PathRouter.Rule<>(List.of(parsed), "hit")),
					PathRouter.PathParser.REQUEST_PATH);
			for (String contextPath : CONTEXT_PATHS) {
				for (String path : PATHS) {
					for (String requestUri : requestUris(contextPath, path)) {
						String expected = outcome(() -> matches(parsed, requestUri, contextPath) ? "hit" : null);
						String actual = outcome(() -> router.route(requestUri, contextPath, "GET"));
						if (!expected.equals(actual)) {
							mismatches.add("pattern '" + pattern + "', URI '" + requestUri + "', context path '"
									+ contextPath + "': expected " + expected + ", got " + actual);
						}
					}
				}
			}
		}
		assertThat(mismatches).isEmpty();
	}

	@Test
	void plainRequestUriShouldBeRoutedByLiteralPatternsWithoutBeingParsed() {
		CountingParser parser = new CountingParser();
		PathRouter<String> router = router(parser, rule(null, "/health", "/ready"), rule("webhook", "/webhook"),
				rule("default", "/hello", "/"));
		assertThat(router.route("/webhook", "", "GET")).isEqualTo("webhook");
		assertThat(router.route("/hello", "", "GET")).isEqualTo("default");
		assertThat(router.route("/", "", "GET")).isEqualTo("default");
		assertThat(router.route("/health", "", "GET")).isNull();
		assertThat(router.route("/elsewhere", "", "GET")).isNull();
		assertThat(router.route("/app/webhook", "/app", "GET")).isEqualTo("webhook");
		assertThat(parser.calls).hasValue(0);
	}

	@Test
	void plainRequestUriShouldBeRoutedByPathPrefixPatternsWithoutBeingParsed() {
		CountingParser parser = new CountingParser();
		PathRouter<String> router = router(parser, rule(null, "/actuator/**"), rule("webhook", "/webhook"),
				rule("default", "/**"));
		assertThat(router.route("/webhook", "", "GET")).isEqualTo("webhook");
		assertThat(router.route("/actuator", "", "GET")).isNull();
		assertThat(router.route("/actuator/health", "", "GET")).isNull();
		assertThat(router.route("/actuators", "", "GET")).isEqualTo("default");
		assertThat(router.route("/", "", "GET")).isEqualTo("default");
		assertThat(router.route("/app", "/app", "GET")).isEqualTo("default");
		assertThat(router.route("/app/actuator/health", "/app", "GET")).isNull();
		assertThat(parser.calls).hasValue(0);
	}

	@Test
	void encodedOrMatrixParameterUriShouldBeParsedAndMatchWhatItDecodesTo() {
		CountingParser parser = new CountingParser();
		PathRouter<String> router = router(parser, rule(null, "/health"), rule("webhook", "/webhook"));
		assertThat(router.route("/web%68ook", "", "GET")).isEqualTo("webhook");
		assertThat(router.route("/webhook;x=1", "", "GET")).isEqualTo("webhook");
		assertThat(router.route("/heal%74h", "", "GET")).isNull();
		assertThat(router.route("/app/web%68ook", "/app", "GET")).isEqualTo("webhook");
		assertThat(parser.calls).hasValue(4);
	}

	@Test
	void uriThatDoesNotParseShouldBeRefusedAsTheParserRefusesIt() {
		PathRouter<String> router = router(new CountingParser(), rule("webhook", "/webhook"));
		assertThatIllegalArgumentException().isThrownBy(() -> router.route("/web%zzook", "", "GET"));
		assertThatIllegalArgumentException().isThrownBy(() -> router.route("/application/webhook", "/app", "GET"));
	}

	@Test
	void plainRequestUriShouldBeParsedOnlyOnceAndOnlyWhenAWildcardRuleMustBeTried() {
		CountingParser parser = new CountingParser();
		PathRouter<String> router = router(parser, rule("exact", "/items/exact"), rule("items", "/items/*"),
				rule("tenant", "/{tenant}/orders/*"), rule("docs", "/*/docs/**"), rule("default", "/hello"));
		assertThat(router.route("/items/exact", "", "GET")).isEqualTo("exact");
		assertThat(parser.calls).hasValue(0);
		assertThat(router.route("/hello", "", "GET")).isEqualTo("default");
		assertThat(parser.calls).as("parsed once for the two wildcard rules before the literal one").hasValue(1);
		assertThat(router.route("/items/a", "", "GET")).isEqualTo("items");
		assertThat(parser.calls).hasValue(2);
		assertThat(router.route("/v1/docs/a", "", "GET")).isEqualTo("docs");
		assertThat(parser.calls).hasValue(3);
	}

	@Test
	void plainRequestUriShouldTryOnlyTheRulesItsLeadingSegmentsCanMatch() {
		List<String> tried = new ArrayList<>();
		List<PathRouter.Rule<String>> rules = new ArrayList<>();
		for (int i = 0; i < 500; i++) {
			String name = "tenant" + i;
			rules.add(rule(name, (method) -> tried.add(name), "/api/" + name + "/{id}", "/api/" + name + "/*/x"));
		}
		rules.add(3, rule("versioned", (method) -> tried.add("versioned"), "/{version}/tenants/{id}"));
		rules.add(5, rule("api", (method) -> tried.add("api"), "/api/*/orders"));
		rules.add(rule("shared", (method) -> tried.add("shared"), "/api/tenant7", "/api/tenant9"));
		rules.add(rule("default", (method) -> tried.add("default"), "/**"));
		PathRouter<String> router = new PathRouter<>(rules, new CountingParser());
		assertThat(router.route("/api/tenant9", "", "GET")).isEqualTo("shared");
		assertThat(tried).containsExactly("versioned", "api", "tenant9", "shared");
		tried.clear();
		assertThat(router.route("/app/api/tenant7/1", "/app", "GET")).isEqualTo("tenant7");
		assertThat(tried).containsExactly("versioned", "api", "tenant7");
		tried.clear();
		assertThat(router.route("/api/tenant7/orders", "", "GET")).isEqualTo("api");
		assertThat(tried).containsExactly("versioned", "api");
		tried.clear();
		assertThat(router.route("/v2/tenants/1", "", "GET")).isEqualTo("versioned");
		assertThat(tried).containsExactly("versioned");
		tried.clear();
		assertThat(router.route("/api/tenant500/1", "", "GET")).isEqualTo("default");
		assertThat(tried).containsExactly("versioned", "api", "default");
		tried.clear();
		assertThat(router.route("/api//tenant7/1", "", "GET")).isEqualTo("default");
		assertThat(tried).containsExactly("versioned", "api", "default");
		tried.clear();
		assertThat(router.route("/api/tenant7", "", "GET")).as("a rule under each of its patterns' segments")
			.isEqualTo("shared");
		assertThat(tried).containsExactly("versioned", "api", "tenant7", "shared");
		tried.clear();
		assertThat(router.route("/api/tenant%37/1", "", "GET")).as("a parsed path, by its decoded segments")
			.isEqualTo("tenant7");
		assertThat(tried).containsExactly("versioned", "api", "tenant7");
		tried.clear();
		assertThat(router.route("/api/tenant7%2F1", "", "GET")).as("one segment, tenant7/1").isEqualTo("default");
		assertThat(tried).containsExactly("versioned", "api", "default");
		tried.clear();
		assertThat(router.route("/api/tenant7;v=1/1", "", "GET")).isEqualTo("tenant7");
		assertThat(tried).containsExactly("versioned", "api", "tenant7");
	}

	@Test
	void indexShouldHoldEachRuleOnceForEachOfItsPatternsWhateverTheirShape() {
		List<PathRouter.Rule<String>> rules = new ArrayList<>();
		for (int i = 0; i < 2000; i++) {
			// a wildcard-led pattern at the root beside literal ones, and one under a wildcard after a literal
			rules.add(rule("t" + i, "/{version}/t" + i + "/**", "/t" + i + "/orders", "/t" + i + "/items/**",
					"/api/{tenant}/t" + i));
			rules.add(rule("api" + i, "/api/u" + i + "/{id}"));
		}
		PathRouter<String> router = new PathRouter<>(rules, PathRouter.PathParser.REQUEST_PATH);
		// tN at the root, under /tN, /tN/items and /api; apiN under /api/uN: one entry per pattern, where copying
		// each node's ancestors' rules into it would hold the 2 000 root rules at each of 6 000 nodes
		assertThat(router.indexSize()).isEqualTo(2000 * 4 + 2000);
		assertThat(router.route("/t1999/items/1", "", "GET")).isEqualTo("t1999");
		assertThat(router.route("/v1/t7/x", "", "GET")).isEqualTo("t7");
		assertThat(router.route("/api/acme/t5", "", "GET")).isEqualTo("t5");
		assertThat(router.route("/api/u5/1", "", "GET")).isEqualTo("api5");
		assertThat(router.route("/api/t5/1", "", "GET")).as("/{version}/t5/**, at the root").isEqualTo("t5");
	}

	@Test
	void manyRulesShouldRouteEveryPathToTheFirstRuleTheParsedPathMatchesInAnyOrder() {
		List<String> patterns = new ArrayList<>(PATTERNS);
		List<String> mismatches = new ArrayList<>();
		Random random = new Random(42);
		for (int round = 0; round < 6; round++) {
			if (round == 1) {
				Collections.reverse(patterns);
			}
			else if (round > 1) {
				Collections.shuffle(patterns, random);
			}
			List<PathRouter.Rule<String>> rules = new ArrayList<>();
			List<List<PathPattern>> parsedRules = new ArrayList<>();
			for (int i = 0; i < patterns.size(); i += 1 + (round % 3)) {
				List<PathPattern> parsed = patterns.subList(i, Math.min(patterns.size(), i + 1 + (round % 3)))
					.stream()
					.map(PathPatternParser.defaultInstance::parse)
					.toList();
				rules.add(new PathRouter.Rule<>(parsed, "rule" + rules.size()));
				parsedRules.add(parsed);
			}
			PathRouter<String> router = new PathRouter<>(rules, PathRouter.PathParser.REQUEST_PATH);
			for (String path : PATHS) {
				// as the filter parses the path a server has decoded: not decoded again, parameters kept
				PathContainer served = PathContainer.parsePath(path, PathContainer.Options.create('/', false));
				int expected = -1;
				for (int i = 0; i < parsedRules.size() && expected < 0; i++) {
					if (parsedRules.get(i).stream().anyMatch((pattern) -> pattern.matches(served))) {
						expected = i;
					}
				}
				int actual = router.ruleIndex(served, "GET");
				if (expected != actual) {
					mismatches.add("rules " + parsedRules + ", served path '" + path + "': expected rule " + expected
							+ ", got " + actual);
				}
			}
			for (String contextPath : CONTEXT_PATHS) {
				for (String path : PATHS) {
					for (String requestUri : requestUris(contextPath, path)) {
						String expected = outcome(() -> {
							for (int i = 0; i < parsedRules.size(); i++) {
								for (PathPattern pattern : parsedRules.get(i)) {
									if (matches(pattern, requestUri, contextPath)) {
										return "rule" + i;
									}
								}
							}
							return null;
						});
						String actual = outcome(() -> router.route(requestUri, contextPath, "GET"));
						if (!expected.equals(actual)) {
							mismatches.add("rules " + parsedRules + ", URI '" + requestUri + "', context path '"
									+ contextPath + "': expected " + expected + ", got " + actual);
						}
					}
				}
			}
		}
		assertThat(mismatches).isEmpty();
	}

	@Test
	void onlyLeadingSegmentsThatStandForThemselvesShouldIndexAPattern() {
		assertThat(literalSegments("/webhook")).containsExactly("webhook");
		assertThat(literalSegments("/api/v1/{id}")).containsExactly("api", "v1");
		assertThat(literalSegments("/actuator/**")).containsExactly("actuator");
		assertThat(literalSegments("/a:b@c/d/")).containsExactly("a:b@c", "d");
		assertThat(literalSegments("/a//b")).containsExactly("a");
		assertThat(literalSegments("/a/b*/c")).containsExactly("a");
		assertThat(literalSegments("/a/web%68ook")).containsExactly("a");
		assertThat(List.of("/", "/**", "//a", "/{tenant}/a", "/a*/b", "/a?c", "/web%68ook", "/a;b", "/ä/x", "/a b",
				"webhook", "a/b", "", "/{*rest}", "/**/b"))
			.allMatch((pattern) -> literalSegments(pattern).isEmpty());
	}

	@Test
	void firstMatchingRuleShouldWinWhateverKindOfPatternMatches() {
		PathRouter<String> router = router(new CountingParser(), rule("orders", "/orders/**"),
				rule("special", "/orders/special", "/special"), rule("exact", "/items/exact"),
				rule("items", "/catalog", "/items/*"));
		assertThat(router.route("/orders/special", "", "GET")).isEqualTo("orders");
		assertThat(router.route("/special", "", "GET")).isEqualTo("special");
		assertThat(router.route("/items/exact", "", "GET")).isEqualTo("exact");
		assertThat(router.route("/items/other", "", "GET")).isEqualTo("items");
		assertThat(router.route("/catalog", "", "GET")).isEqualTo("items");
	}

	@Test
	void ruleForSomeMethodsShouldLetOtherMethodsGoOnToTheNextRule() {
		CountingParser parser = new CountingParser();
		PathRouter<String> router = router(parser, rule(null, "/health"),
				rule("writes", Set.of("POST", "PUT")::contains, "/items/**"),
				rule("reads", "GET"::equals, "/items/*"), rule("default", "/**"));
		assertThat(router.route("/items/1", "", "POST")).isEqualTo("writes");
		assertThat(router.route("/items/1", "", "PUT")).isEqualTo("writes");
		assertThat(router.route("/items/1", "", "GET")).isEqualTo("reads");
		assertThat(router.route("/items/1", "", "DELETE")).isEqualTo("default");
		assertThat(router.route("/items", "", "GET")).isEqualTo("default");
		assertThat(router.route("/health", "", "POST")).as("an exclusion applies to every method").isNull();
		assertThat(router.route("/items/%31", "", "POST")).as("parsed paths too").isEqualTo("writes");
		assertThat(router.route("/items/%31", "", "PATCH")).isEqualTo("default");
		int parsed = parser.calls.get();
		router.route("/items/1", "", "DELETE");
		assertThat(parser.calls).as("no parse for a wildcard rule skipped for its method").hasValue(parsed);
		router.route("/items/1", "", "GET");
		assertThat(parser.calls).hasValue(parsed + 1);
	}

	@Test
	void excludingRuleShouldStopTheSearchEvenWhenALaterRuleMatches() {
		PathRouter<String> router = router(new CountingParser(), rule(null, "/public/**", "/health"),
				rule("default", "/**"));
		assertThat(router.route("/health", "", "GET")).isNull();
		assertThat(router.route("/public/x", "", "GET")).isNull();
		assertThat(router.route("/other", "", "GET")).isEqualTo("default");
	}

	@Test
	void onlyALiteralOrNothingFollowedByAllSegmentsShouldBeAPathPrefix() {
		assertThat(prefixOf("/actuator/**")).isEqualTo("/actuator");
		assertThat(prefixOf("/a/b/**")).isEqualTo("/a/b");
		assertThat(prefixOf("/**")).isEmpty();
		assertThat(List.of("/a/*/**", "/a*/**", "/{*rest}", "/a/{*rest}", "/web%68ook/**", "/a;b/**", "a/**",
				"/**/b", "/webhook", "/a/*"))
			.allMatch((pattern) -> prefixOf(pattern) == null);
	}

	@Test
	void onlyPatternsThatStandForThemselvesShouldBeLiteral() {
		assertThat(List.of("/webhook", "/", "/a/b/", "/a.b-c_d~e", "/a:b@c", "/a!$&'()+,=b", "/azAZ09"))
			.allMatch((pattern) -> PathRouter.isLiteral(PathPatternParser.defaultInstance.parse(pattern)));
		assertThat(List.of("/a/*", "/**", "/a/{id}", "/a?c", "/web%68ook", "/a;b", "/a//b", "webhook", "", "/ä",
				"/a b"))
			.noneMatch((pattern) -> PathRouter.isLiteral(PathPatternParser.defaultInstance.parse(pattern)));
	}

	private static List<String> literalSegments(String pattern) {
		return PathRouter.literalSegments(PathPatternParser.defaultInstance.parse(pattern));
	}

	private static String prefixOf(String pattern) {
		return PathRouter.prefixOf(PathPatternParser.defaultInstance.parse(pattern));
	}

	private static List<String> requestUris(String contextPath, String path) {
		List<String> uris = new ArrayList<>();
		uris.add(path);
		if (contextPath != null && !contextPath.isBlank()) {
			uris.add(contextPath + path);
		}
		return uris;
	}

	private static boolean matches(PathPattern pattern, String requestUri, String contextPath) {
		return pattern.matches(RequestPath.parse(requestUri, contextPath).pathWithinApplication());
	}

	/** What a routing gave: its target, "none", or the exception it threw. */
	private static String outcome(Routing routing) {
		try {
			String target = routing.route();
			return (target != null) ? target : "none";
		}
		catch (RuntimeException ex) {
			return ex.getClass().getSimpleName();
		}
	}

	@SafeVarargs
	private static PathRouter<String> router(PathRouter.PathParser parser, PathRouter.Rule<String>... rules) {
		return new PathRouter<>(List.of(rules), parser);
	}

	private static PathRouter.Rule<String> rule(String target, String... patterns) {
		return new PathRouter.Rule<>(
				Arrays.stream(patterns).map(PathPatternParser.defaultInstance::parse).toList(), target);
	}

	private static PathRouter.Rule<String> rule(String target, Predicate<String> methods, String... patterns) {
		return new PathRouter.Rule<>(
				Arrays.stream(patterns).map(PathPatternParser.defaultInstance::parse).toList(), target, methods);
	}

	@FunctionalInterface
	private interface Routing {

		String route();

	}

	private static final class CountingParser implements PathRouter.PathParser {

		final AtomicInteger calls = new AtomicInteger();

		@Override
		public PathContainer pathWithinApplication(String requestUri, String contextPath) {
			this.calls.incrementAndGet();
			return PathRouter.PathParser.REQUEST_PATH.pathWithinApplication(requestUri, contextPath);
		}

	}

}
