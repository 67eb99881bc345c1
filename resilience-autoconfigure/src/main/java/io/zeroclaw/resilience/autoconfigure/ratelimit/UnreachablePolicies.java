package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Finds the named policies that can never apply: the policies are tried in order and the first whose paths (and
 * methods) match a request takes it, so a policy every one of whose paths an earlier policy already matches, for every
 * method it applies to, never sees a request. Each pattern is tried on sample paths (a wildcard segment replaced by a
 * made-up one, a multi-segment wildcard by up to one segment more than any pattern spells out), so the answer is sure
 * only for what the samples cover: a reason to warn, not to refuse to start. A pattern that does not parse is left to
 * the filter, which reports it.
 */
final class UnreachablePolicies {

	/**
	 * Segments no configured literal is likely to spell: a short plain one, and a long one in mixed case with a dash
	 * and a dot, so that an earlier pattern narrower than a wildcard ({@code ???}, {@code {name:[a-z]+}}) does not
	 * pass for one.
	 */
	private static final List<String> SEGMENTS = List.of("zq0", "Zq0-Xy9a.b7");

	private UnreachablePolicies() {
	}

	/**
	 * What stands for {@code exclude-paths} among the takers {@link #find} answers: excluded paths are tried before
	 * every policy, for every method, and what they match is limited by none.
	 */
	static final String EXCLUDE_PATHS = "zeroclaw.resilience.rate-limit.exclude-paths";

	/**
	 * @param named the named policies, in the order they are tried
	 * @param excludePaths the paths no policy limits, tried before them
	 * @return each policy that can never apply, by name, with the names of the earlier policies that take its requests,
	 * and {@link #EXCLUDE_PATHS} when excluded paths take some or all of them
	 */
	static Map<String, Set<String>> find(List<RateLimitPolicyRegistration> named, List<String> excludePaths) {
		Map<String, Set<String>> unreachable = new LinkedHashMap<>();
		List<PathPattern> excluded = parse(excludePaths);
		int depth = 3;
		List<List<PathPattern>> parsed = new ArrayList<>();
		for (RateLimitPolicyRegistration registration : named) {
			List<PathPattern> patterns = parse(registration.paths());
			parsed.add(patterns);
			depth = deepest(depth, (patterns != null) ? registration.paths() : List.of());
		}
		depth = deepest(depth, (excluded != null) ? excludePaths : List.of());
		for (int later = 0; later < named.size(); later++) {
			List<PathPattern> patterns = parsed.get(later);
			if (patterns == null || patterns.isEmpty()) {
				continue;
			}
			Set<String> takenBy = new LinkedHashSet<>();
			if (allTaken(named, parsed, (excluded != null) ? excluded : List.of(), later, depth, takenBy)) {
				unreachable.put(named.get(later).name(), takenBy);
			}
		}
		return unreachable;
	}

	/** A multi-segment wildcard is tried one level deeper than any pattern spells out. */
	private static int deepest(int depth, List<String> paths) {
		for (String path : paths) {
			depth = Math.max(depth, path.split("/").length + 1);
		}
		return depth;
	}

	private static boolean allTaken(List<RateLimitPolicyRegistration> named, List<List<PathPattern>> parsed,
			List<PathPattern> excluded, int later, int depth, Set<String> takenBy) {
		RateLimitPolicyRegistration policy = named.get(later);
		for (PathPattern pattern : parsed.get(later)) {
			List<PathContainer> samples = samples(pattern, depth);
			if (samples.isEmpty()) {
				return false;
			}
			for (PathContainer sample : samples) {
				String taker = excluded.stream().anyMatch((exclusion) -> exclusion.matches(sample)) ? EXCLUDE_PATHS
						: firstTaker(named, parsed, later, policy, sample);
				if (taker == null) {
					return false;
				}
				takenBy.add(taker);
			}
		}
		return true;
	}

	private static @Nullable String firstTaker(List<RateLimitPolicyRegistration> named, List<List<PathPattern>> parsed,
			int later, RateLimitPolicyRegistration policy, PathContainer sample) {
		for (int earlier = 0; earlier < later; earlier++) {
			List<PathPattern> patterns = parsed.get(earlier);
			if (patterns != null && coversMethods(named.get(earlier), policy)
					&& patterns.stream().anyMatch((pattern) -> pattern.matches(sample))) {
				return named.get(earlier).name();
			}
		}
		return null;
	}

	/** Whether the earlier policy applies to every method the later one applies to. */
	private static boolean coversMethods(RateLimitPolicyRegistration earlier, RateLimitPolicyRegistration later) {
		if (later.methods().isEmpty()) {
			return earlier.methods().isEmpty();
		}
		return later.methods().stream().allMatch(earlier::appliesTo)
				&& (!later.appliesTo("HEAD") || earlier.appliesTo("HEAD"));
	}

	/**
	 * Sample paths of the pattern that the pattern itself matches: each wildcard filled with each of the made-up
	 * segments, a multi-segment one with none to {@code depth} of them; none when they cannot be made into paths.
	 */
	private static List<PathContainer> samples(PathPattern pattern, int depth) {
		List<PathContainer> samples = new ArrayList<>();
		try {
			for (String segment : SEGMENTS) {
				String text = pattern.getPatternString().replaceAll("\\{[^}*]*:[^}]*\\}", "{" + segment + "}");
				for (int level = 0; level <= depth; level++) {
					String rest = ("/" + segment).repeat(level);
					String path = text.replaceAll("/(\\*\\*|\\{\\*[^}]*\\})", rest)
						.replaceAll("\\{[^}]*\\}", segment)
						.replace("*", segment)
						.replace('?', 'q');
					PathContainer sample = PathContainer.parsePath(path.isEmpty() ? "/" : path);
					if (pattern.matches(sample)
							&& samples.stream().noneMatch((seen) -> seen.value().equals(sample.value()))) {
						samples.add(sample);
					}
				}
			}
		}
		catch (RuntimeException ex) {
			return List.of(); // a literal the samples cannot be made from (an undecodable '%'): no warning
		}
		return samples;
	}

	private static @Nullable List<PathPattern> parse(List<String> paths) {
		List<PathPattern> parsed = new ArrayList<>(paths.size());
		try {
			for (String path : paths) {
				parsed.add(PathPatternParser.defaultInstance
					.parse(PathPatternParser.defaultInstance.initFullPathPattern(path.trim())));
			}
		}
		catch (RuntimeException ex) {
			return null;
		}
		return parsed;
	}

}
