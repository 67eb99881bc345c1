package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Choosing the policy of a request among many, as the rate-limit filter does for every request: the excluded paths,
 * then {@code policies} templated policies ({@code /api/tenantN/{id}}, tried in order), then the default policy.
 * {@code last} is a request for the last named policy, {@code unclaimed} one that only the default policy claims;
 * both had every named policy tried before the routing tree. No peer: the figure is ours alone, against itself at one
 * policy. In the router's package, whose class is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class PolicyRoutingBenchmark {

	@Param({ "1", "500" })
	public int policies;

	private PathRouter<String> router;

	private String lastUri;

	@Setup
	public void setUp() {
		List<PathRouter.Rule<String>> rules = new ArrayList<>();
		rules.add(new PathRouter.Rule<>(List.of(parse("/actuator/**")), null));
		for (int i = 0; i < this.policies; i++) {
			rules.add(new PathRouter.Rule<>(List.of(parse("/api/tenant" + i + "/{id}")), "tenant" + i));
		}
		rules.add(new PathRouter.Rule<>(List.of(parse("/**")), "default"));
		this.router = new PathRouter<>(rules, PathRouter.PathParser.REQUEST_PATH);
		this.lastUri = "/api/tenant" + (this.policies - 1) + "/42";
		if (!("tenant" + (this.policies - 1)).equals(last()) || !"default".equals(unclaimed())) {
			throw new IllegalStateException("routed to the wrong policy");
		}
	}

	private static PathPattern parse(String pattern) {
		return PathPatternParser.defaultInstance.parse(pattern);
	}

	@Benchmark
	public String last() {
		return this.router.route(this.lastUri, "", "POST");
	}

	@Benchmark
	public String unclaimed() {
		return this.router.route("/chat/42", "", "POST");
	}

}
