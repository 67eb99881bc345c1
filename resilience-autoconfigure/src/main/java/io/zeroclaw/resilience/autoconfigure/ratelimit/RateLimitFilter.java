package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.zeroclaw.resilience.autoconfigure.InvalidResiliencePropertyException;
import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.autoconfigure.web.RetryAfter;
import io.zeroclaw.resilience.ratelimit.KeyDigest;
import io.zeroclaw.resilience.ratelimit.RateLimitDecision;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimitStoreUnavailableException;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.PathContainer;
import org.springframework.util.LinkedCaseInsensitiveMap;
import org.springframework.util.StringUtils;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.CorsProcessor;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.util.UrlPathHelper;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * Rate-limits HTTP requests per client, one policy per request: excluded paths are never limited, then the first
 * named policy whose paths match, and whose methods include the request's when it lists any, applies, else the
 * default policy when an include path matches. An allowed request
 * goes on with the {@code RateLimit} and {@code RateLimit-Policy} headers (when enabled); a refused one is answered
 * {@code 429 Too Many Requests} with {@code Retry-After}, both rate-limit headers and an RFC 9457 problem body, or
 * the body an application's {@link RateLimitRejectionHandler} writes.
 * <p>
 * A limiter whose shared store is down and configured to deny ({@link RateLimitStoreUnavailableException}) gets a
 * {@code 503}; any other failure of the limiter or of the key resolver lets the request through, is counted as an
 * error and logged at WARN at most once a minute: the rate limiter must never be the reason a request fails.
 * <p>
 * Path patterns are parsed once, at start-up. Per request, a plain path is compared with the literal patterns as text
 * and parsed only if another pattern must be tried; see {@link PathRouter}.
 * <p>
 * Registered for {@code REQUEST} and {@code FORWARD} dispatches, each request limited once: at the first of them to
 * reach the instance of the filter that applies its policy. A forward of a request whose limit is decided passes (the
 * client asked for the first path; what the application forwards it to is its own business), while a forward made
 * before the filter (a URL-rewriting filter ordered ahead of it, or Spring Security ahead of the instance for
 * principal keys) is limited by the path it forwards to. A forward to an error page passes too: it answers a request
 * that was limited already, or refused before it reached the filter (a 401 or 403 of Spring Security's).
 */
public final class RateLimitFilter implements Filter {

	/** Order of Spring Security's filter chain by default (its {@code DEFAULT_FILTER_ORDER}). */
	public static final int SECURITY_FILTER_ORDER = -100;

	/** Order used for {@code ip} and {@code header} keys while Spring Security keeps its default order: before it. */
	public static final int BEFORE_SECURITY_ORDER = SECURITY_FILTER_ORDER - 10;

	/** Order used for {@code principal} keys while Spring Security keeps its default order: after it. */
	public static final int AFTER_SECURITY_ORDER = SECURITY_FILTER_ORDER + 10;

	private static final Logger logger = LoggerFactory.getLogger(RateLimitFilter.class);

	private static final long ERROR_LOG_INTERVAL = TimeUnit.MINUTES.toNanos(1);

	/** The starter's Redis limiter, by name: the filter runs without Spring Data Redis too. */
	private static final String REDIS_LIMITER = "io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiter";

	private static final String PROPERTY_PREFIX = "zeroclaw.resilience.rate-limit.";

	/** The network prefix by which IPv6 clients are keyed unless configured: one subscriber's or host's subnet. */
	static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;

	/** The largest integer of an RFC 8941 structured field: 15 digits. */
	private static final long MAX_SF_INTEGER = 999_999_999_999_999L;

	/** The same, for the quota, which is worked out in big integers. */
	private static final BigInteger MAX_QUOTA = BigInteger.valueOf(MAX_SF_INTEGER);

	/**
	 * The request attribute that marks a request whose limit has been decided, by whichever instance of the filter
	 * applies its policy (or found that none applies), so that a forward of it is not limited again.
	 */
	static final String DECIDED = RateLimitFilter.class.getName() + ".DECIDED";

	private static final CorsProcessor CORS_PROCESSOR = new DefaultCorsProcessor();

	/** What follows {@code (?} in a regular expression: a group kind ({@code :}, lookaround, named) or a flag. */
	private static final String REGEX_GROUP_KINDS = ":<=!>iImMsSuUxXdD-";

	/** A servlet path and path info are decoded already, and hold no path parameters: taken as they are. */
	private static final PathContainer.Options SERVED_PATH = PathContainer.Options.create('/', false);

	private final PathRouter<Route> router;

	private final @Nullable RateLimitKeyResolver keyResolver;

	private final @Nullable RateLimitRejectionHandler rejectionHandler;

	private final boolean headers;

	/** The bits of an IPv6 client address that name the client. */
	private int ipv6PrefixLength = DEFAULT_IPV6_PREFIX_LENGTH;

	/** Where the application's CORS configuration is, to let a browser read a refusal; empty when it has none. */
	private volatile Supplier<List<CorsConfigurationSource>> corsSources = List::of;

	private final AtomicLong lastErrorLog = new AtomicLong(System.nanoTime() - ERROR_LOG_INTERVAL);

	private final AtomicLong lastRejectionHandlerErrorLog = new AtomicLong(System.nanoTime() - ERROR_LOG_INTERVAL);

	private final AtomicLong lastNamelessPrincipalLog = new AtomicLong(System.nanoTime() - ERROR_LOG_INTERVAL);

	/**
	 * @param policies the policies and their limiters
	 * @param keyResolver the application's key resolver, or {@code null} to key by each policy's key type
	 * @param rejectionHandler the application's writer of refusals, or {@code null} for problem bodies
	 * @param headers whether allowed requests get the {@code RateLimit} and {@code RateLimit-Policy} headers
	 */
	RateLimitFilter(RateLimitPolicies policies, @Nullable RateLimitKeyResolver keyResolver,
			@Nullable RateLimitRejectionHandler rejectionHandler, boolean headers) {
		this(policies, keyResolver, rejectionHandler, headers, (registration) -> true);
	}

	/**
	 * A filter that applies only some of the policies: a request whose policy is out of scope goes on untouched, for
	 * another instance of the filter, elsewhere in the chain, to limit. Routing is the same for every instance, so
	 * a request is limited by exactly one policy whichever instance applies it.
	 * @param scope the policies this instance applies
	 */
	RateLimitFilter(RateLimitPolicies policies, @Nullable RateLimitKeyResolver keyResolver,
			@Nullable RateLimitRejectionHandler rejectionHandler, boolean headers,
			Predicate<RateLimitPolicyRegistration> scope) {
		this(policies, keyResolver, rejectionHandler, headers, scope, PathRouter.PathParser.REQUEST_PATH);
	}

	RateLimitFilter(RateLimitPolicies policies, @Nullable RateLimitKeyResolver keyResolver,
			@Nullable RateLimitRejectionHandler rejectionHandler, boolean headers, PathRouter.PathParser pathParser) {
		this(policies, keyResolver, rejectionHandler, headers, (registration) -> true, pathParser);
	}

	private RateLimitFilter(RateLimitPolicies policies, @Nullable RateLimitKeyResolver keyResolver,
			@Nullable RateLimitRejectionHandler rejectionHandler, boolean headers,
			Predicate<RateLimitPolicyRegistration> scope, PathRouter.PathParser pathParser) {
		// Excluded paths first, routing to no policy, then the named policies in order, then the default one.
		List<PathRouter.Rule<Route>> rules = new ArrayList<>();
		rules.add(new PathRouter.Rule<>(parse(PROPERTY_PREFIX + "exclude-paths", policies.excludePaths()), null));
		for (RateLimitPolicyRegistration registration : policies.named()) {
			rules.add(new PathRouter.Rule<>(
					parse(PROPERTY_PREFIX + "policies." + registration.name() + ".paths", registration.paths()),
					new Route(registration, policies.outcomes(registration.name()), scope.test(registration)),
					registration.methods().isEmpty() ? null : registration::appliesTo));
		}
		RateLimitPolicyRegistration defaultPolicy = policies.defaultPolicy();
		rules.add(new PathRouter.Rule<>(parse(PROPERTY_PREFIX + "include-paths", defaultPolicy.paths()),
				new Route(defaultPolicy, policies.outcomes(defaultPolicy.name()), scope.test(defaultPolicy))));
		this.router = new PathRouter<>(rules, pathParser);
		this.keyResolver = keyResolver;
		this.rejectionHandler = rejectionHandler;
		this.headers = headers;
	}

	/**
	 * Gives the filter the application's CORS configuration (Spring Security's {@code CorsConfigurationSource} bean,
	 * Spring MVC's {@code @CrossOrigin} and CORS mappings through its {@code HandlerMappingIntrospector}), so that a
	 * refusal carries the CORS headers a browser needs to read it: this filter usually runs before any CORS
	 * processing, and a response without them reaches the page as a network error, its status and
	 * {@code Retry-After} unread. Looked up at the first refusal of a cross-origin request.
	 * @param sources the sources, asked in order; the first with a configuration for the request answers
	 */
	void setCorsConfigurationSources(Supplier<List<CorsConfigurationSource>> sources) {
		this.corsSources = SingletonSupplier.of(sources);
	}

	/**
	 * Sets how many leading bits of an IPv6 client address name the client (see {@link ClientAddress}).
	 * @param ipv6PrefixLength 1 to 128; 128 keys each address on its own
	 */
	void setIpv6PrefixLength(int ipv6PrefixLength) {
		if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
			throw new IllegalArgumentException("ipv6PrefixLength must be 1 to 128, was " + ipv6PrefixLength);
		}
		this.ipv6PrefixLength = ipv6PrefixLength;
	}

	/**
	 * Whether a pattern holds, outside its {@code {...}} variables, what only a regular expression would: a segment
	 * that begins with {@code .*} or {@code .+} ("anything", as in {@code /api/.*} or {@code .*.js}), a leading
	 * {@code ^}, a backslash, a character class {@code [...]} or an alternative {@code |} (which no request path holds
	 * unescaped), or a group whose content is a regular expression's: a {@code /}, {@code .*} or {@code .+} in it, or
	 * an inline flag or group kind ({@code (?i)}, {@code (?:}). Such a pattern (the form other rate limiters configure
	 * paths in) parses, but matches no real request. Path patterns that look alike are not refused: {@code *.*} and
	 * {@code report.*} (a dot, then any characters), {@code Products(1)} or {@code *(?).zip} (parentheses are text,
	 * {@code ?} one character), a {@code $} anywhere. A segment of dot files is written {@code .{name}}.
	 */
	static boolean looksLikeRegex(String pattern) {
		StringBuilder outside = new StringBuilder(pattern.length());
		int depth = 0;
		for (int i = 0; i < pattern.length(); i++) {
			char c = pattern.charAt(i);
			if (c == '{') {
				depth++;
			}
			else if (c == '}' && depth > 0) {
				depth--;
				if (depth == 0) {
					// the variable stands for some text of the segment
					outside.append('v');
				}
			}
			else if (depth == 0) {
				outside.append(c);
			}
		}
		String text = outside.toString();
		if (text.startsWith("^") || text.indexOf('\\') >= 0 || text.indexOf('[') >= 0 || text.indexOf('|') >= 0) {
			return true;
		}
		for (String segment : text.split("/", -1)) {
			if (segment.startsWith(".*") || segment.startsWith(".+")) {
				return true;
			}
		}
		for (int open = text.indexOf('('); open >= 0; open = text.indexOf('(', open + 1)) {
			int close = text.indexOf(')', open);
			String group = text.substring(open + 1, (close >= 0) ? close : text.length());
			boolean flag = group.length() > 1 && group.charAt(0) == '?'
					&& REGEX_GROUP_KINDS.indexOf(group.charAt(1)) >= 0;
			if (flag || group.contains("/") || group.contains(".*") || group.contains(".+")) {
				return true;
			}
		}
		return false;
	}

	private static List<PathPattern> parse(String property, List<String> patterns) {
		List<PathPattern> parsed = new ArrayList<>(patterns.size());
		for (int i = 0; i < patterns.size(); i++) {
			String pattern = patterns.get(i);
			if (!StringUtils.hasText(pattern)) {
				throw new InvalidResiliencePropertyException(property + "[" + i + "]", pattern,
						"an empty pattern matches no request.", "remove it, or use a pattern such as /api/**.");
			}
			if (looksLikeRegex(pattern.trim())) {
				throw new InvalidResiliencePropertyException(property + "[" + i + "]", pattern,
						"it reads as a regular expression, which a path pattern is not: it would match only a path "
								+ "spelled that way, so the policy would limit nothing.",
						"write a Spring path pattern: * for one segment, ** for any number of them (/api/v1/**), "
								+ "{name:regex} for a regular expression within one segment (and .{name} for names "
								+ "beginning with a dot).");
			}
			try {
				// "webhook" means /webhook, as it does in @RequestMapping("webhook"); as written it would match nothing
				parsed.add(PathPatternParser.defaultInstance
					.parse(PathPatternParser.defaultInstance.initFullPathPattern(pattern.trim())));
			}
			catch (PatternParseException ex) {
				throw new InvalidResiliencePropertyException(property + "[" + i + "]", pattern,
						"it is not a valid path pattern: " + ex.getMessage(),
						"use a pattern such as /api/** or /webhook/{id}.");
			}
		}
		return parsed;
	}

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		if (!(request instanceof HttpServletRequest httpRequest)
				|| !(response instanceof HttpServletResponse httpResponse)) {
			chain.doFilter(request, response);
			return;
		}
		if (request.getAttribute(DECIDED) != null || isErrorPageForward(request)) {
			chain.doFilter(request, response);
			return;
		}
		Route route;
		try {
			route = route(httpRequest);
		}
		catch (AmbiguousPathException ex) {
			addCorsHeaders(httpRequest, httpResponse);
			writeProblem(httpResponse, HttpStatus.BAD_REQUEST, "The request path names one path as written and "
					+ "another as the server resolves it (its escapes, empty or dot segments), under different rate "
					+ "limits; send it resolved.", httpRequest);
			return;
		}
		catch (IllegalArgumentException ex) {
			// A path that does not parse (a malformed %-escape) names no handler either: the client's mistake.
			addCorsHeaders(httpRequest, httpResponse);
			writeProblem(httpResponse, HttpStatus.BAD_REQUEST, "The request path is not a valid URI path.",
					httpRequest);
			return;
		}
		if (route == null || !route.inScope) {
			if (route == null) {
				request.setAttribute(DECIDED, Boolean.TRUE);
			}
			chain.doFilter(request, response);
			return;
		}
		request.setAttribute(DECIDED, Boolean.TRUE);
		if (isKeylessPreflight(route, httpRequest) && answerPreflight(httpRequest, httpResponse)) {
			return;
		}
		@Nullable RateLimitDecision decision;
		try {
			String key = key(route, httpRequest);
			// the resolver's own constant, by identity: no value a client sends can be it
			decision = (key != RateLimitKeyResolver.UNLIMITED) ? decide(route, key) : null;
		}
		catch (RateLimitStoreUnavailableException ex) {
			route.outcomes.error();
			logUnavailable(route, ex);
			unavailable(route, ex, httpRequest, httpResponse);
			return;
		}
		catch (Exception ex) {
			// a checked one too: a resolver written in Kotlin or Groovy, or sneakily thrown, must not fail the request
			keepInterrupt(ex);
			route.outcomes.error();
			logError(route, ex);
			chain.doFilter(request, response);
			return;
		}
		if (decision == null) {
			chain.doFilter(request, response);
		}
		else if (decision.allowed()) {
			route.outcomes.allowed();
			if (this.headers) {
				writeHeaders(route, decision, httpResponse);
			}
			chain.doFilter(request, response);
		}
		else {
			route.outcomes.rejected();
			tooManyRequests(route, decision, httpRequest, httpResponse);
		}
	}

	/** The limiter's decision; one that answers none (an application's, breaking its contract) failed to decide. */
	private static RateLimitDecision decide(Route route, String key) {
		RateLimitDecision decision = route.limiter.tryAcquire(key);
		if (decision == null) {
			throw new IllegalStateException(route.limiter.getClass().getName() + " answered no decision");
		}
		return decision;
	}

	/**
	 * Whether the request is a forward to an error page: Jetty dispatches a forward made during an error dispatch (a
	 * JSP error view) as a forward, and Spring Boot's {@code ErrorPageFilter} (war deployments) serves every error
	 * page by a forward. The request it answers was limited already, or refused before reaching this filter.
	 */
	private static boolean isErrorPageForward(ServletRequest request) {
		return request.getDispatcherType() == DispatcherType.FORWARD
				&& request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) != null;
	}

	/**
	 * The policy of a request by the path its URI spells, and, when that spelling could name another path once the
	 * server has decoded and normalized it (a {@code //}, a segment starting with a dot such as {@code /../}, a
	 * %-escape, a {@code ;}parameter), also by the path the server routes on: its servlet path and path info, with
	 * dot segments and doubled slashes resolved here too (as a server has already done, and a mock request has not).
	 * Spring MVC's default matching sees the spelling, but a servlet other than Spring MVC's is chosen by the
	 * normalized path ({@code /actuator/../legacy/a} is served as {@code /legacy/a}), and so is a handler under the
	 * Ant-style matching strategy, which also merges {@code //}. When only one of the two has a policy, it applies;
	 * when they have different policies the request is refused, since which one the server serves it as depends on
	 * the servlet and the matching strategy, and a client must not choose the looser one by spelling.
	 * @throws AmbiguousPathException when the two have different policies
	 * @throws IllegalArgumentException when the path as spelled does not parse and the server gives no other
	 */
	private @Nullable Route route(HttpServletRequest request) {
		String requestUri = request.getRequestURI();
		String method = request.getMethod();
		if (!mayNameAnotherPath(requestUri)) {
			return this.router.route(requestUri, request.getContextPath(), method);
		}
		@Nullable String contextPath = contextPath(request);
		@Nullable String served = servedPath(request);
		if (served == null && contextPath != null) {
			// Jetty keeps the servlet path of an ambiguous URI to itself unless told to decode such URIs, while Spring
			// MVC, which never asks for it, serves the request: read the path as Spring's own helper does.
			served = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
		}
		if (served == null || served.isEmpty()) {
			if (contextPath == null) {
				throw new IllegalArgumentException("Neither the context path nor the servlet path of " + requestUri);
			}
			// no server set them (a bare mock request): the spelling is all there is
			return this.router.route(requestUri, contextPath, method);
		}
		String resolved = normalize(served);
		@Nullable Route servedRoute = this.router
			.target(this.router.ruleIndex(PathContainer.parsePath(resolved, SERVED_PATH), method));
		if (contextPath == null) {
			// The server routed the URI to this application but cannot say by which spelling of its context path
			// (Tomcat, with an encoded backslash decoded and backslashes taken for slashes): the served path is all.
			return servedRoute;
		}
		@Nullable Route route;
		try {
			route = only(this.router.route(requestUri, contextPath, method), servedRoute);
		}
		catch (IllegalArgumentException ex) {
			// the spelling does not parse (as //ctx/... under a context path), but the server made a path of it
			route = servedRoute;
		}
		if (holdsEncodedSeparator(requestUri)) {
			// A server set to pass %2F through leaves it in the servlet path, one segment there as in the spelling,
			// while the Ant-style matcher decodes the whole URI and finds two: read it as that matcher does as well.
			String decoded = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
			route = only(route, this.router.target(this.router.ruleIndex(
					PathContainer.parsePath(decoded.isEmpty() ? "/" : decoded, SERVED_PATH), method)));
		}
		return route;
	}

	/**
	 * The context path, or {@code null} when the server cannot tell it: Tomcat throws when the URI spells the context
	 * path in a way it cannot match to the decoded one.
	 */
	private static @Nullable String contextPath(HttpServletRequest request) {
		try {
			return request.getContextPath();
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	/**
	 * The path the server routes on within the application, its servlet path and path info; empty when no server set
	 * them (a bare mock request), {@code null} when the server will not tell them: Jetty throws for an ambiguous URI
	 * (an encoded slash, a doubled slash, an encoded dot segment) unless it is set to decode such URIs.
	 */
	private static @Nullable String servedPath(HttpServletRequest request) {
		try {
			String servletPath = request.getServletPath();
			String pathInfo = request.getPathInfo();
			return (pathInfo != null) ? servletPath + pathInfo : servletPath;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	/**
	 * The one policy of two readings of a request path: either's when the other has none (excluded, or matching
	 * nothing), theirs when they agree.
	 * @throws AmbiguousPathException when they have different policies
	 */
	private static @Nullable Route only(@Nullable Route one, @Nullable Route other) {
		if (one == null || other == null || one == other) {
			return (one != null) ? one : other;
		}
		throw new AmbiguousPathException();
	}

	/** Whether a request URI holds an encoded slash or backslash ({@code %2F}, {@code %5C}, in either case). */
	static boolean holdsEncodedSeparator(String requestUri) {
		int length = requestUri.length();
		for (int i = requestUri.indexOf('%'); i >= 0 && i + 2 < length; i = requestUri.indexOf('%', i + 1)) {
			char high = requestUri.charAt(i + 1);
			char low = Character.toUpperCase(requestUri.charAt(i + 2));
			if ((high == '2' && low == 'F') || (high == '5' && low == 'C')) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A path with its dot segments and empty segments resolved, as a server resolves them before it picks a servlet:
	 * {@code //a/./b/../c} is {@code /a/c}; {@code ..} never climbs above the root.
	 */
	static String normalize(String path) {
		if (!path.contains("//") && !path.contains("/.")) {
			return path;
		}
		List<String> kept = new ArrayList<>();
		String[] segments = path.split("/", -1);
		boolean trailingSlash = false;
		for (int i = 1; i < segments.length; i++) {
			String segment = segments[i];
			boolean last = (i == segments.length - 1);
			if (segment.isEmpty() || segment.equals(".")) {
				trailingSlash = last;
			}
			else if (segment.equals("..")) {
				if (!kept.isEmpty()) {
					kept.remove(kept.size() - 1);
				}
				trailingSlash = last;
			}
			else {
				kept.add(segment);
				trailingSlash = false;
			}
		}
		StringBuilder normalized = new StringBuilder(path.length());
		for (String segment : kept) {
			normalized.append('/').append(segment);
		}
		if (normalized.length() == 0 || trailingSlash) {
			normalized.append('/');
		}
		return normalized.toString();
	}

	/**
	 * Whether a request URI holds something a server decodes or normalizes away before it picks a servlet: a
	 * {@code %}, a {@code ;}, a backslash, {@code //}, or a segment starting with a dot.
	 */
	static boolean mayNameAnotherPath(String requestUri) {
		int length = requestUri.length();
		for (int i = 0; i < length; i++) {
			char c = requestUri.charAt(i);
			if (c == '%' || c == ';' || c == '\\') {
				return true;
			}
			if (c == '/' && i + 1 < length && (requestUri.charAt(i + 1) == '/' || requestUri.charAt(i + 1) == '.')) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether the request is a browser's CORS preflight that cannot carry the policy's key: a preflight never has
	 * credentials nor the page's own headers (an {@code X-API-Key}, {@code Authorization}), so under a policy keyed
	 * otherwise than by address it would fall back to the address and spend a token of everyone behind it (an
	 * office, a carrier's NAT), refusing a new key's first call before its own bucket was asked.
	 */
	private boolean isKeylessPreflight(Route route, HttpServletRequest request) {
		if (!CorsUtils.isPreFlightRequest(request)) {
			return false;
		}
		if (this.keyResolver != null) {
			// the resolver replaces every policy's key, an ip one (the default) included
			try {
				String key = this.keyResolver.resolve(request, route.name);
				return key == null || key.isEmpty();
			}
			catch (Exception ex) {
				// keyed (and failing) as any request: let through, counted as an error
				keepInterrupt(ex);
				return false;
			}
		}
		if (route.keyType == KeyType.IP) {
			return false;
		}
		if (route.keyType == KeyType.HEADER) {
			return !StringUtils.hasLength(request.getHeader(route.keyHeader));
		}
		try {
			Principal principal = request.getUserPrincipal();
			return principal == null || !StringUtils.hasLength(principal.getName());
		}
		catch (Exception ex) {
			// keyed (and failing) as any request: let through, counted as an error
			keepInterrupt(ex);
			return false;
		}
	}

	/**
	 * Answers a keyless preflight here, uncounted, from the application's CORS configuration, as Spring's
	 * {@code CorsFilter} does: allowed or refused, it goes no further, so a request dressed as a preflight reaches
	 * nothing that does work (a servlet serving every method, an interceptor, a filter after this one). Without a
	 * configuration for it, it is counted by address as any request.
	 * @return whether it was answered
	 */
	private boolean answerPreflight(HttpServletRequest request, HttpServletResponse response) throws IOException {
		CorsConfiguration configuration = corsConfiguration(request);
		if (configuration == null) {
			return false;
		}
		try {
			CORS_PROCESSOR.processRequest(configuration, request, response);
		}
		catch (IllegalArgumentException ex) {
			// a configuration CORS itself refuses (credentials with origin '*'): refused, as MVC refuses it
			response.setStatus(HttpStatus.FORBIDDEN.value());
		}
		return true;
	}

	/**
	 * The client's key. Header and principal keys are prefixed so that no client can pick a header value or a user
	 * name equal to someone else's address and drain that address's bucket. A header value is often a credential (an
	 * API key), so only its digest is kept: neither store, nor Redis in particular, ever holds it.
	 */
	private String key(Route route, HttpServletRequest request) {
		if (this.keyResolver != null) {
			String key = this.keyResolver.resolve(request, route.name);
			return (key != null && !key.isEmpty()) ? key : address(request);
		}
		switch (route.keyType) {
			case HEADER -> {
				String value = request.getHeader(route.keyHeader);
				if (value != null && !value.isEmpty()) {
					return "header:" + KeyDigest.of(route.credentialsHeader ? credentials(value) : value);
				}
			}
			case PRINCIPAL -> {
				Principal principal = request.getUserPrincipal();
				if (principal != null) {
					String name = principal.getName();
					if (name != null && !name.isEmpty()) {
						return "principal:" + name;
					}
					logNamelessPrincipal(route, principal);
				}
			}
			case IP -> {
			}
		}
		return address(request);
	}

	private String address(HttpServletRequest request) {
		return ClientAddress.key(request.getRemoteAddr(), this.ipv6PrefixLength);
	}

	/**
	 * An {@code Authorization} or {@code Proxy-Authorization} value as one spelling per credential. Its scheme is
	 * case-insensitive (RFC 9110, section 11.1), so {@code Basic}, {@code basic} and {@code BASIC}, with one blank or
	 * several before the credentials, are one client, not 32 buckets for one password. {@code Basic} credentials are
	 * compared as the bytes they decode to, read as Spring Security reads them: from the seventh character on,
	 * whatever the sixth is ({@code Basic:<base64>} logs in too), with or without padding and with any value in the
	 * unused bits of the last digit. Other credentials, and a value that is one token without a scheme (a bare API
	 * key), are compared exactly, unless they begin with {@code basic} and decode as Basic credentials do.
	 */
	static String credentials(String value) {
		String trimmed = value.strip();
		if (trimmed.length() > 6 && trimmed.regionMatches(true, 0, "basic", 0, 5)) {
			String basic = basic(trimmed.substring(6));
			if (basic != null) {
				return basic;
			}
		}
		int end = 0;
		while (end < trimmed.length() && !Character.isWhitespace(trimmed.charAt(end))) {
			end++;
		}
		String rest = trimmed.substring(end).strip();
		if (rest.isEmpty()) {
			return trimmed;
		}
		String scheme = trimmed.substring(0, end).toLowerCase(Locale.ROOT);
		String basic = scheme.equals("basic") ? basic(rest) : null;
		return (basic != null) ? basic : scheme + " " + rest;
	}

	/** Basic credentials in one spelling, or {@code null} if they are not Base64. */
	private static @Nullable String basic(String encoded) {
		try {
			return "basic " + Base64.getEncoder().encodeToString(Base64.getDecoder().decode(encoded));
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/**
	 * {@code RateLimit-Policy} is a constant of the route. {@code RateLimit} is one concatenation of the route's
	 * constant prefix and two longs: compiled for Java 9+ it sizes and fills the result once, 72 bytes per call for a
	 * nine-digit remainder where a pre-sized {@code StringBuilder} takes 152 (its own buffer, then the copy into the
	 * string), so it stays a concatenation.
	 */
	private static void writeHeaders(Route route, RateLimitDecision decision, HttpServletResponse response) {
		response.setHeader("RateLimit-Policy", route.policyHeader);
		response.setHeader("RateLimit",
				route.limitHeaderPrefix + Math.min(decision.remaining(), MAX_SF_INTEGER) + ";t="
						+ RetryAfter.ceilSeconds(decision.resetAfter()));
	}

	private void tooManyRequests(Route route, RateLimitDecision decision, HttpServletRequest request,
			HttpServletResponse response) throws IOException {
		long retryAfter = RetryAfter.seconds(decision.retryAfter());
		response.setStatus(HttpStatus.TOO_MANY_REQUESTS.value());
		response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		writeHeaders(route, decision, response);
		String detail = (retryAfter >= RetryAfter.MAX_SECONDS)
				? "The rate limit of policy '" + route.name + "' is exhausted for this client and does not refill."
				: "The rate limit of policy '" + route.name + "' is exhausted for this client; retry after "
						+ retryAfter + ((retryAfter == 1) ? " second." : " seconds.");
		refuse(route, HttpStatus.TOO_MANY_REQUESTS, detail, request, response);
	}

	private void unavailable(Route route, RateLimitStoreUnavailableException ex, HttpServletRequest request,
			HttpServletResponse response) throws IOException {
		response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
		response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(RetryAfter.seconds(ex.retryAfter())));
		refuse(route, HttpStatus.SERVICE_UNAVAILABLE,
				"The rate limit of policy '" + route.name + "' cannot be checked right now.", request, response);
	}

	/**
	 * Writes the body of a refusal: the application's {@link RateLimitRejectionHandler} when there is one, else, or
	 * when it throws before committing the response, the problem body. The handler's failure is undone: the response
	 * is reset (whatever it wrote or set, a {@code Content-Length} or an encoding included) and given back the headers
	 * it had before the handler ran (this refusal's, and those of the filters before this one, such as CORS). A
	 * {@code sendError} of the handler's is held back until it returns, since an error page once begun cannot be
	 * taken back. If the client's connection is what failed, writing the problem body fails the same way.
	 */
	private void refuse(Route route, HttpStatus status, String detail, HttpServletRequest request,
			HttpServletResponse response) throws IOException {
		addCorsHeaders(request, response);
		if (this.rejectionHandler != null) {
			Map<String, List<String>> headers = new LinkedCaseInsensitiveMap<>();
			for (String name : response.getHeaderNames()) {
				headers.putIfAbsent(name, new ArrayList<>(response.getHeaders(name)));
			}
			DeferredSendErrorResponse handled = new DeferredSendErrorResponse(response);
			try {
				this.rejectionHandler.handle(request, handled, route.name, problem(status, detail, request));
				handled.sendHeldError();
				return;
			}
			catch (Exception ex) {
				keepInterrupt(ex);
				logRejectionHandlerError(route, ex);
				if (response.isCommitted()) {
					return;
				}
				response.reset();
				headers.forEach((name, values) -> values.forEach((value) -> response.addHeader(name, value)));
			}
		}
		writeProblem(response, status, detail, request);
	}

	/**
	 * The CORS headers of an actual request, when the request comes from an origin the application's CORS
	 * configuration allows and no filter before this one has answered them already: the allowed origin, credentials
	 * if allowed, and the exposed headers (expose {@code Retry-After}, {@code RateLimit} and {@code RateLimit-Policy}
	 * there for the page to read them). Only headers: an origin that is not allowed gets the refusal as it is, and a
	 * refused preflight stays a failed preflight, as a browser accepts only a 2xx one.
	 */
	private void addCorsHeaders(HttpServletRequest request, HttpServletResponse response) {
		String origin = request.getHeader(HttpHeaders.ORIGIN);
		if (origin == null || response.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)) {
			return;
		}
		CorsConfiguration configuration = corsConfiguration(request);
		String allowedOrigin;
		try {
			allowedOrigin = (configuration != null) ? configuration.checkOrigin(origin) : null;
		}
		catch (IllegalArgumentException ex) {
			// a configuration CORS itself refuses (credentials with origin '*'): the refusal goes out without
			allowedOrigin = null;
		}
		if (configuration == null || allowedOrigin == null) {
			return;
		}
		response.addHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
		response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
		if (Boolean.TRUE.equals(configuration.getAllowCredentials())) {
			response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
		}
		List<String> exposed = configuration.getExposedHeaders();
		if (exposed != null && !exposed.isEmpty()) {
			response.setHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, String.join(", ", exposed));
		}
	}

	private @Nullable CorsConfiguration corsConfiguration(HttpServletRequest request) {
		for (CorsConfigurationSource source : this.corsSources.get()) {
			try {
				CorsConfiguration configuration = source.getCorsConfiguration(request);
				if (configuration != null) {
					return configuration;
				}
			}
			catch (Exception ex) {
				// a source that cannot place the request (no handler for it): it has no configuration for it
				logger.debug("CORS configuration source {} failed for {}", source, request.getRequestURI(), ex);
			}
		}
		return null;
	}

	private static ProblemDetail problem(HttpStatus status, String detail, HttpServletRequest request) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(status.getReasonPhrase());
		try {
			problem.setInstance(new URI(request.getRequestURI()));
		}
		catch (URISyntaxException ex) {
			// a request URI the container let through but java.net.URI refuses: the problem names no instance
		}
		return problem;
	}

	private static void writeProblem(HttpServletResponse response, HttpStatus status, String detail,
			HttpServletRequest request) throws IOException {
		String body = "{\"title\":" + json(status.getReasonPhrase()) + ",\"status\":"
				+ status.value() + ",\"detail\":" + json(detail) + ",\"instance\":" + json(request.getRequestURI())
				+ "}";
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		response.setStatus(status.value());
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		response.setContentLength(bytes.length);
		response.getOutputStream().write(bytes);
		response.flushBuffer();
	}

	/** A JSON string literal of {@code value}, escaped per RFC 8259. */
	static String json(String value) {
		StringBuilder json = new StringBuilder(value.length() + 2).append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20 || c == '\u2028' || c == '\u2029') {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"').toString();
	}

	/** The policy name as a structured-field string (RFC 8941): quoted, with {@code "} and {@code \} escaped. */
	private static String sfString(String value) {
		return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

	private static void keepInterrupt(Exception ex) {
		if (ex instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
	}

	private void logRejectionHandlerError(Route route, Exception ex) {
		warnAtMostOnceAMinute(this.lastRejectionHandlerErrorLog, "The RateLimitRejectionHandler failed on a refusal "
				+ "of policy '{}'; sending the problem body instead (logged at most once a minute)", route, ex);
	}

	/**
	 * The starter's Redis store reports its own outages, once a minute per policy; an application's own store may say
	 * nothing, and every request of the policy is then refused: that is said here, as often.
	 */
	private static void logUnavailable(Route route, RateLimitStoreUnavailableException ex) {
		if (route.limiter.getClass().getName().equals(REDIS_LIMITER)) {
			logger.debug("Rate-limit store unavailable for policy '{}'", route.name, ex);
		}
		else {
			warnAtMostOnceAMinute(route.lastUnavailableLog, "The rate-limit store of policy '{}' is unavailable; "
					+ "refusing its requests with 503 while it is (logged at most once a minute)", route, ex);
		}
	}

	private void logError(Route route, Exception ex) {
		warnAtMostOnceAMinute(this.lastErrorLog, "Rate limiting of policy '{}' failed; letting requests through while "
				+ "it does (logged at most once a minute)", route, ex);
	}

	/**
	 * An authenticated client without a name (a token introspected without a subject, say) is keyed by its address,
	 * where every such client behind one address shares a bucket: a surprise worth saying, at most once a minute.
	 */
	private void logNamelessPrincipal(Route route, Principal principal) {
		if (isDue(this.lastNamelessPrincipalLog)) {
			logger.warn("Policy '{}' keys clients by principal, but an authenticated principal ({}) has no name, so its "
					+ "requests are keyed by the client address, shared by every such client behind it. Give the "
					+ "Authentication a name (getName()), or key with a RateLimitKeyResolver (logged at most once a "
					+ "minute)", route.name, principal.getClass().getName());
		}
	}

	private static void warnAtMostOnceAMinute(AtomicLong lastLog, String message, Route route, Exception ex) {
		if (isDue(lastLog)) {
			logger.warn(message, route.name, ex);
		}
	}

	/** Whether a minute has passed since the last log of this kind; if so, this caller logs it, no other. */
	private static boolean isDue(AtomicLong lastLog) {
		long now = System.nanoTime();
		long last = lastLog.get();
		return now - last >= ERROR_LOG_INTERVAL && lastLog.compareAndSet(last, now);
	}

	/**
	 * The response a rejection handler gets: a {@code sendError} is recorded rather than sent, and sent once the
	 * handler has returned, so that a handler failing after it can still be undone.
	 */
	private static final class DeferredSendErrorResponse extends HttpServletResponseWrapper {

		private int heldStatus = -1;

		private @Nullable String heldMessage;

		DeferredSendErrorResponse(HttpServletResponse response) {
			super(response);
		}

		@Override
		public void sendError(int sc) {
			sendError(sc, null);
		}

		@Override
		public void sendError(int sc, @Nullable String msg) {
			if (isCommitted()) {
				throw new IllegalStateException("Cannot send an error after the response has been committed");
			}
			this.heldStatus = sc;
			this.heldMessage = msg;
		}

		void sendHeldError() throws IOException {
			if (this.heldStatus < 0) {
				return;
			}
			HttpServletResponse response = (HttpServletResponse) getResponse();
			if (this.heldMessage != null) {
				response.sendError(this.heldStatus, this.heldMessage);
			}
			else {
				response.sendError(this.heldStatus);
			}
		}

	}

	/**
	 * The {@code RateLimit-Policy} parameters of a policy: {@code q}, the bucket's capacity, and {@code w}, its window
	 * in seconds. The header carries whole seconds only, so a window that is not one is advertised over the next
	 * whole second, with the capacity plus what refills in the time that rounding adds (rounded down): with no burst,
	 * one request per {@code 100ms} is {@code q=10;w=1}, not {@code q=1;w=1}, a tenth of the rate. So {@code q} is the
	 * capacity for a window of whole seconds and more than it otherwise, and {@code q} over {@code w} is the rate only
	 * when there is no burst. A quota that is never refilled has no window and is sent without {@code w}.
	 * @param policy the policy
	 * @return the parameters, starting with {@code ;q=}
	 */
	static String policyParameters(RateLimitPolicy policy) {
		if (policy.requestsPerWindow() == 0) {
			return ";q=" + policy.capacity();
		}
		Duration window = policy.window();
		long seconds = RetryAfter.ceilSeconds(window);
		BigInteger windowNanos = nanos(window);
		BigInteger extraNanos = nanos(Duration.ofSeconds(seconds)).subtract(windowNanos).max(BigInteger.ZERO);
		BigInteger quota = BigInteger.valueOf(policy.requestsPerWindow())
			.multiply(extraNanos)
			.divide(windowNanos)
			.add(BigInteger.valueOf(policy.capacity()))
			.min(MAX_QUOTA);
		return ";q=" + quota + ";w=" + seconds;
	}

	private static BigInteger nanos(Duration duration) {
		return BigInteger.valueOf(duration.getSeconds())
			.multiply(BigInteger.valueOf(1_000_000_000L))
			.add(BigInteger.valueOf(duration.getNano()));
	}

	/** A request path that names two paths with different policies. */
	private static final class AmbiguousPathException extends RuntimeException {

		AmbiguousPathException() {
			super(null, null, false, false);
		}

	}

	/** A policy as the filter uses it, with everything a request needs computed up front. */
	private static final class Route {

		final String name;

		final RateLimiter limiter;

		final PolicyOutcomes outcomes;

		final KeyType keyType;

		final @Nullable String keyHeader;

		/** Whether the key header carries an authentication scheme and its credentials, whose scheme has any case. */
		final boolean credentialsHeader;

		final String policyHeader;

		final String limitHeaderPrefix;

		/** Whether this instance of the filter applies the policy; another one does otherwise. */
		final boolean inScope;

		/** When this policy's store was last said to be unavailable: each policy is named, whatever the others do. */
		final AtomicLong lastUnavailableLog = new AtomicLong(System.nanoTime() - ERROR_LOG_INTERVAL);

		Route(RateLimitPolicyRegistration registration, PolicyOutcomes outcomes, boolean inScope) {
			this.inScope = inScope;
			this.name = registration.name();
			this.limiter = registration.limiter();
			this.outcomes = outcomes;
			this.keyType = registration.key();
			this.keyHeader = registration.keyHeader();
			this.credentialsHeader = HttpHeaders.AUTHORIZATION.equalsIgnoreCase(this.keyHeader)
					|| HttpHeaders.PROXY_AUTHORIZATION.equalsIgnoreCase(this.keyHeader);
			this.policyHeader = sfString(this.name) + policyParameters(registration.policy());
			this.limitHeaderPrefix = sfString(this.name) + ";r=";
		}

	}

}
