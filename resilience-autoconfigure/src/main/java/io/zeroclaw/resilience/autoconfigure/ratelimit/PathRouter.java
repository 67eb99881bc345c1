package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Finds, for a request path, the first of an ordered list of rules with a path pattern that matches it, exactly as
 * {@link PathPattern#matches(PathContainer)} on {@code RequestPath.parse(requestUri, contextPath)
 * .pathWithinApplication()} would, but without parsing the path when it need not.
 * <p>
 * Parsing a request path into a {@link PathContainer} allocates a list and a few objects per segment (about 200 bytes
 * for {@code /webhook}), and most configured patterns are literal paths ({@code /webhook}) or a literal path and
 * everything under it ({@code /actuator/**}, {@code /**}). So each pattern is classified once, at start-up. A
 * <em>literal</em> one (no pattern syntax, starting with {@code /}, no empty segment, and only characters that stand
 * for themselves in both a pattern and a request URI) matches a path if and only if it is equal to it, character for
 * character. A <em>prefix</em> one, a literal (or nothing) followed by {@code /**}, matches a path equal to the
 * literal or starting with the literal and a {@code /}: {@code /**} matches "zero or more path segments", so
 * {@code /actuator/**} matches {@code /actuator} and {@code /actuator/health} but not {@code /actuators}. A request
 * URI is <em>plain</em> when it holds no {@code %} and no {@code ;}: then decoding and path-parameter removal leave
 * each of its segments as they are, so its parsed path is its own text; when its context path is also one
 * {@link RequestPath} accepts, the path within the application is the rest of the URI after it.
 * <p>
 * A plain URI is compared with the literal and prefix patterns in place, with no allocation; it is parsed only if a
 * rule with other patterns must be tried, at most once, and only when no earlier rule matched. Any other URI (an
 * encoded or matrix-parameter spelling such as {@code /web%68ook} or {@code /webhook;x=1}, or a context path that
 * does not fit) is parsed up front and matched against every pattern, so it gets exactly the rule the full parser
 * gives it, and a path that does not parse is reported as the parser reports it: with an
 * {@link IllegalArgumentException}. Within one rule the order of its patterns does not matter (any match will do),
 * so its literal and prefix patterns are tried first.
 * <p>
 * {@code PathRouterTests} checks the equivalence by comparing the router with the parser over every combination of
 * a list of patterns, request URIs and context paths chosen to probe the edges (encodings, path parameters, empty
 * segments, trailing slashes, case, characters outside the literal set).
 *
 * @param <T> the target of a rule; {@code null} for rules whose match means "no target", such as excluded paths
 */
final class PathRouter<T> {

	/** Parses a request path as the rate-limit filter always has; tests substitute one that counts its calls. */
	@FunctionalInterface
	interface PathParser {

		PathParser REQUEST_PATH = (requestUri, contextPath) -> RequestPath.parse(requestUri, contextPath)
			.pathWithinApplication();

		PathContainer pathWithinApplication(String requestUri, @Nullable String contextPath);

	}

	/**
	 * One rule: its patterns, tried together, the request methods it applies to, and what it routes to.
	 *
	 * @param <T> the target type
	 * @param patterns the rule's path patterns
	 * @param target where a request matching one of them goes; may be {@code null}
	 * @param methods which request methods the rule applies to; {@code null} for every method
	 */
	record Rule<T>(List<PathPattern> patterns, @Nullable T target, @Nullable Predicate<String> methods) {

		Rule {
			patterns = List.copyOf(patterns);
		}

		/** A rule for every request method. */
		Rule(List<PathPattern> patterns, @Nullable T target) {
			this(patterns, target, null);
		}

	}

	private final CompiledRule[] rules;

	private final @Nullable Object[] targets;

	private final PathParser parser;

	PathRouter(List<Rule<T>> rules, PathParser parser) {
		this.rules = new CompiledRule[rules.size()];
		this.targets = new Object[rules.size()];
		for (int i = 0; i < this.rules.length; i++) {
			this.rules[i] = new CompiledRule(rules.get(i).patterns(), rules.get(i).methods());
			this.targets[i] = rules.get(i).target();
		}
		this.parser = parser;
	}

	/**
	 * @param requestUri the request URI, as {@link jakarta.servlet.http.HttpServletRequest#getRequestURI()} gives it
	 * @param contextPath the context path, as {@link jakarta.servlet.http.HttpServletRequest#getContextPath()} gives it
	 * @param method the request method, as {@link jakarta.servlet.http.HttpServletRequest#getMethod()} gives it
	 * @return the target of the first rule that applies to the method and matches the path, or {@code null} when none
	 * does (or that rule's target is)
	 * @throws IllegalArgumentException when the path does not parse
	 */
	@Nullable T route(String requestUri, @Nullable String contextPath, String method) {
		return target(ruleIndex(requestUri, contextPath, method));
	}

	/**
	 * As {@link #route}, the index of the rule, or {@code -1} when none applies.
	 * @throws IllegalArgumentException when the path does not parse
	 */
	int ruleIndex(String requestUri, @Nullable String contextPath, String method) {
		int start = plainPathStart(requestUri, contextPath);
		if (start < 0) {
			return ruleIndex(this.parser.pathWithinApplication(requestUri, contextPath), method);
		}
		PathContainer path = null;
		for (int i = 0; i < this.rules.length; i++) {
			CompiledRule rule = this.rules[i];
			if (!rule.appliesTo(method)) {
				continue;
			}
			if (matchesLiterally(rule.literals, requestUri, start) || matchesPrefix(rule.prefixes, requestUri, start)) {
				return i;
			}
			if (rule.others.length > 0) {
				if (path == null) {
					path = this.parser.pathWithinApplication(requestUri, contextPath);
				}
				if (matchesAny(rule.others, path)) {
					return i;
				}
			}
		}
		return -1;
	}

	/**
	 * The index of the first rule that applies to the method and matches a parsed path, or {@code -1} when none does.
	 * @param path a path within the application
	 * @param method the request method
	 * @return the rule's index
	 */
	int ruleIndex(PathContainer path, String method) {
		for (int i = 0; i < this.rules.length; i++) {
			if (this.rules[i].appliesTo(method) && matchesAny(this.rules[i].all, path)) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * @param index a rule's index, or {@code -1}
	 * @return the rule's target, {@code null} for {@code -1}
	 */
	@SuppressWarnings("unchecked")
	@Nullable T target(int index) {
		return (index < 0) ? null : (T) this.targets[index];
	}

	/**
	 * Where the path within the application starts in a plain request URI, or {@code -1} when the URI is not plain or
	 * its context path is not one the parser would accept as it is (such requests take the parser's way).
	 */
	static int plainPathStart(@Nullable String requestUri, @Nullable String contextPath) {
		if (requestUri == null || requestUri.indexOf('%') >= 0 || requestUri.indexOf(';') >= 0) {
			return -1;
		}
		if (contextPath == null || contextPath.isEmpty()) {
			return 0;
		}
		int length = contextPath.length();
		if (length < 2 || contextPath.charAt(0) != '/' || contextPath.charAt(length - 1) == '/'
				|| !requestUri.startsWith(contextPath)
				|| (requestUri.length() > length && requestUri.charAt(length) != '/')) {
			return -1;
		}
		return length;
	}

	private static boolean matchesLiterally(String[] literals, String requestUri, int start) {
		int length = requestUri.length() - start;
		for (String literal : literals) {
			if (literal.length() == length && requestUri.startsWith(literal, start)) {
				return true;
			}
		}
		return false;
	}

	private static boolean matchesPrefix(String[] prefixes, String requestUri, int start) {
		int length = requestUri.length() - start;
		for (String prefix : prefixes) {
			int prefixLength = prefix.length();
			if ((length == prefixLength || (length > prefixLength && requestUri.charAt(start + prefixLength) == '/'))
					&& requestUri.startsWith(prefix, start)) {
				return true;
			}
		}
		return false;
	}

	private static boolean matchesAny(PathPattern[] patterns, PathContainer path) {
		for (PathPattern pattern : patterns) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether the pattern matches a path exactly when the path's text equals it. Conservative, as is
	 * {@link #prefixOf}: a pattern refused here is still matched correctly, only by the parser.
	 */
	static boolean isLiteral(PathPattern pattern) {
		return !pattern.hasPatternSyntax() && isLiteralText(pattern.getPatternString());
	}

	/**
	 * The literal {@code L} of a pattern {@code L/**} with {@code L} empty or literal, which matches a path exactly
	 * when the path's text is {@code L} or starts with {@code L/}; {@code null} for any other pattern.
	 */
	static @Nullable String prefixOf(PathPattern pattern) {
		String text = pattern.getPatternString();
		if (!text.endsWith("/**")) {
			return null;
		}
		String prefix = text.substring(0, text.length() - 3);
		return (prefix.isEmpty() || isLiteralText(prefix)) ? prefix : null;
	}

	private static boolean isLiteralText(String text) {
		if (text.isEmpty() || text.charAt(0) != '/' || text.contains("//")) {
			return false;
		}
		for (int i = 0; i < text.length(); i++) {
			if (!standsForItself(text.charAt(i))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * ASCII letters and digits, {@code /}, and the URI path characters of RFC 3986 that are neither pattern syntax
	 * ({@code *}, {@code ?}, <code>{</code>, <code>}</code>) nor changed by parsing a request path ({@code %},
	 * {@code ;}).
	 */
	private static boolean standsForItself(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
				|| "/-._~!$&'()+,=:@".indexOf(c) >= 0;
	}

	/**
	 * A rule's patterns, split once into the literal and prefix ones, compared as text, and the others; and its
	 * methods.
	 */
	private static final class CompiledRule {

		final @Nullable Predicate<String> methods;

		final String[] literals;

		final String[] prefixes;

		final PathPattern[] others;

		final PathPattern[] all;

		CompiledRule(List<PathPattern> patterns, @Nullable Predicate<String> methods) {
			this.methods = methods;
			List<String> literals = new ArrayList<>();
			List<String> prefixes = new ArrayList<>();
			List<PathPattern> others = new ArrayList<>();
			for (PathPattern pattern : patterns) {
				String prefix = prefixOf(pattern);
				if (isLiteral(pattern)) {
					literals.add(pattern.getPatternString());
				}
				else if (prefix != null) {
					prefixes.add(prefix);
				}
				else {
					others.add(pattern);
				}
			}
			this.literals = literals.toArray(String[]::new);
			this.prefixes = prefixes.toArray(String[]::new);
			this.others = others.toArray(PathPattern[]::new);
			this.all = patterns.toArray(PathPattern[]::new);
		}

		boolean appliesTo(String method) {
			return this.methods == null || this.methods.test(method);
		}

	}

}
