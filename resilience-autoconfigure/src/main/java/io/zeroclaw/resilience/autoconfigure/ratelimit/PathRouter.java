package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.IntStream;
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
 * A plain URI is compared only with the rules that can match it. A pattern whose leading segments are literal
 * ({@code /api/v1/{id}}, {@code /webhook}, {@code /actuator/**}) can match only a path that begins with those
 * segments, so the rules are indexed once in a tree of literal segments, each rule under the leading segments of
 * each of its patterns, and a URI walks the tree along its own segments and tries only the rules met on the way, in
 * their order; a parsed path walks it by its segments' values as patterns compare them. Choosing among hundreds of
 * policies then costs what choosing among the few that share the request's leading segments does.
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

	private final LiteralSegmentIndex index;

	private final PathParser parser;

	PathRouter(List<Rule<T>> rules, PathParser parser) {
		this.rules = new CompiledRule[rules.size()];
		this.targets = new Object[rules.size()];
		for (int i = 0; i < this.rules.length; i++) {
			this.rules[i] = new CompiledRule(rules.get(i).patterns(), rules.get(i).methods());
			this.targets[i] = rules.get(i).target();
		}
		this.index = new LiteralSegmentIndex(this.rules);
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
		int node = this.index.node(requestUri, start);
		for (int i = this.index.next(node, -1); i >= 0; i = this.index.next(node, i)) {
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
		int node = this.index.node(path);
		for (int i = this.index.next(node, -1); i >= 0; i = this.index.next(node, i)) {
			if (this.rules[i].appliesTo(method) && matchesAny(this.rules[i].all, path)) {
				return i;
			}
		}
		return -1;
	}

	/** @return how many entries the routing index holds, for tests: at most one per pattern */
	int indexSize() {
		return this.index.size();
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

	/**
	 * The leading segments of a pattern that stand for themselves, each followed by a {@code /} or the pattern's end:
	 * a path the pattern matches begins with exactly those segments. Stops at the first empty segment or one with any
	 * other character, so that it is empty for a pattern whose first segment is a wildcard or a variable.
	 */
	static List<String> literalSegments(PathPattern pattern) {
		String text = pattern.getPatternString();
		List<String> segments = new ArrayList<>();
		if (text.isEmpty() || text.charAt(0) != '/') {
			return segments;
		}
		int start = 0;
		while (start < text.length()) {
			int end = text.indexOf('/', start + 1);
			if (end < 0) {
				end = text.length();
			}
			String segment = text.substring(start + 1, end);
			if (segment.isEmpty() || !segment.chars().allMatch((c) -> standsForItself((char) c))) {
				break;
			}
			segments.add(segment);
			start = end;
		}
		return segments;
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
	 * The rules a path may match, by its leading segments: a tree whose nodes are literal segments, each rule under the
	 * node each of its patterns' leading literal segments reach (the root for a pattern that has none). A path walks
	 * the tree as far as its segments go, and may match the rules under the node it stops at and under that node's
	 * ancestors, which are taken in their order by a merge that allocates nothing. Each node holds only its own rules,
	 * so the index grows with the patterns, whatever their shape; where they are few, it also holds them merged with
	 * its ancestors', once. The edges live in one open-addressed table looked up with the path's own characters.
	 */
	private static final class LiteralSegmentIndex {

		private static final int CHAIN_LIMIT = 16;

		private final int[] edgeParents;

		private final @Nullable String[] edgeSegments;

		private final int[] edgeChildren;

		private final int mask;

		private final int shift;

		/** Each node's parent; {@code -1} for the root, node 0. */
		private final int[] parents;

		/** Each node's own rules, ascending. */
		private final int[][] rules;

		/**
		 * Each node's rules and its ancestors', ascending, when they are few (at most {@link #CHAIN_LIMIT}), as in
		 * the usual configuration of a handful of policies: a request then searches one short array; {@code null}
		 * where they are more, and the node's and its ancestors' own rules are merged instead.
		 */
		private final int[] @Nullable [] chains;

		/** Whether a node has children, so that a path's walk stops at a leaf without hashing its next segment. */
		private final boolean[] branches;

		LiteralSegmentIndex(CompiledRule[] rules) {
			List<Map<String, Integer>> tree = new ArrayList<>();
			List<SortedSet<Integer>> own = new ArrayList<>();
			List<Integer> parentOf = new ArrayList<>();
			tree.add(new LinkedHashMap<>());
			own.add(new TreeSet<>());
			parentOf.add(-1);
			int edges = 0;
			for (int i = 0; i < rules.length; i++) {
				for (PathPattern pattern : rules[i].all) {
					int node = 0;
					for (String segment : literalSegments(pattern)) {
						Integer child = tree.get(node).get(segment);
						if (child == null) {
							child = tree.size();
							tree.get(node).put(segment, child);
							tree.add(new LinkedHashMap<>());
							own.add(new TreeSet<>());
							parentOf.add(node);
							edges++;
						}
						node = child;
					}
					own.get(node).add(i);
				}
			}
			this.parents = parentOf.stream().mapToInt(Integer::intValue).toArray();
			this.rules = own.stream().map((set) -> set.stream().mapToInt(Integer::intValue).toArray())
				.toArray(int[][]::new);
			this.chains = new int[tree.size()][];
			this.branches = new boolean[tree.size()];
			for (int node = 0; node < tree.size(); node++) {
				// a parent is always made before its children
				int parent = this.parents[node];
				int[] inherited = (parent < 0) ? new int[0] : this.chains[parent];
				this.branches[node] = !tree.get(node).isEmpty();
				if (inherited != null && this.rules[node].length == 0) {
					this.chains[node] = inherited;
				}
				else if (inherited != null && inherited.length + this.rules[node].length <= CHAIN_LIMIT) {
					this.chains[node] = IntStream.concat(Arrays.stream(inherited), Arrays.stream(this.rules[node]))
						.sorted()
						.distinct()
						.toArray();
				}
			}
			int capacity = Integer.highestOneBit(Math.max(1, edges) * 2 + 1) << 1;
			this.edgeParents = new int[capacity];
			this.edgeSegments = new String[capacity];
			this.edgeChildren = new int[capacity];
			this.mask = capacity - 1;
			this.shift = 32 - Integer.numberOfTrailingZeros(capacity);
			for (int node = 0; node < tree.size(); node++) {
				for (Map.Entry<String, Integer> edge : tree.get(node).entrySet()) {
					int slot = slot(node, edge.getKey().hashCode());
					while (this.edgeSegments[slot] != null) {
						slot = (slot + 1) & this.mask;
					}
					this.edgeParents[slot] = node;
					this.edgeSegments[slot] = edge.getKey();
					this.edgeChildren[slot] = edge.getValue();
				}
			}
		}

		/**
		 * The first slot to probe for an edge: the segment's hash mixed with its parent, times 2^32 divided by the
		 * golden ratio, top bits, which spreads the near-consecutive hashes of names such as {@code t1}, {@code t2}
		 * over the table, where a mask would put them in one run that a lookup of a missing name walks through.
		 */
		private int slot(int parent, int hash) {
			return ((hash ^ (parent * 0x85EBCA6B)) * 0x9E3779B9) >>> this.shift;
		}

		/**
		 * @param requestUri a plain request URI
		 * @param start where its path within the application starts
		 * @return the node its leading segments reach
		 */
		int node(String requestUri, int start) {
			int length = requestUri.length();
			int node = 0;
			int position = start;
			while (this.branches[node] && position < length && requestUri.charAt(position) == '/') {
				int end = requestUri.indexOf('/', position + 1);
				if (end < 0) {
					end = length;
				}
				int child = child(node, requestUri, position + 1, end);
				if (child < 0) {
					break;
				}
				node = child;
				position = end;
			}
			return node;
		}

		/**
		 * @param path a parsed path
		 * @return the node its leading segments reach, walked by each segment's value as a pattern's literal segment
		 * compares it (decoded, without its {@code ;} parameters, when the path was parsed so)
		 */
		int node(PathContainer path) {
			List<PathContainer.Element> elements = path.elements();
			int node = 0;
			for (int i = 0; this.branches[node] && i + 1 < elements.size(); i += 2) {
				if (!(elements.get(i) instanceof PathContainer.Separator)
						|| !(elements.get(i + 1) instanceof PathContainer.PathSegment segment)
						|| segment.valueToMatch().isEmpty()) {
					break;
				}
				int child = child(node, segment.valueToMatch(), 0, segment.valueToMatch().length());
				if (child < 0) {
					break;
				}
				node = child;
			}
			return node;
		}

		private int child(int parent, String text, int start, int end) {
			int hash = 0;
			for (int i = start; i < end; i++) {
				hash = 31 * hash + text.charAt(i);
			}
			int segmentLength = end - start;
			for (int slot = slot(parent, hash);; slot = (slot + 1) & this.mask) {
				String segment = this.edgeSegments[slot];
				if (segment == null) {
					return -1;
				}
				if (this.edgeParents[slot] == parent && segment.length() == segmentLength
						&& text.startsWith(segment, start)) {
					return this.edgeChildren[slot];
				}
			}
		}

		int size() {
			return Arrays.stream(this.rules).mapToInt((own) -> own.length).sum();
		}

		/**
		 * @param node the node a path reached
		 * @param after a rule's index, or {@code -1}
		 * @return the lowest index above {@code after} of a rule under the node or an ancestor, or {@code -1}
		 */
		int next(int node, int after) {
			int[] chain = this.chains[node];
			if (chain != null) {
				int found = Arrays.binarySearch(chain, after + 1);
				int position = (found >= 0) ? found : -found - 1;
				return (position < chain.length) ? chain[position] : -1;
			}
			int next = Integer.MAX_VALUE;
			for (int at = node; at >= 0; at = this.parents[at]) {
				int[] own = this.rules[at];
				int found = Arrays.binarySearch(own, after + 1);
				int position = (found >= 0) ? found : -found - 1;
				if (position < own.length && own[position] < next) {
					next = own[position];
				}
			}
			return (next == Integer.MAX_VALUE) ? -1 : next;
		}

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
