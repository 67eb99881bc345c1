package io.zeroclaw.resilience.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard in {@code docs/} and the meter names the README gives an operator, checked against what the
 * sample app really serves on {@code /actuator/prometheus}: every metric a query names exists, with every label the
 * query selects, groups by or shows in its legend, and every label value it selects on; every variable it uses is
 * defined. No Prometheus and no Grafana needed.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class GrafanaDashboardTests {

	private static final Path DASHBOARD = Path.of("..", "docs", "grafana-dashboard.json");

	private static final Path README = Path.of("..", "README.md");

	/** Labels Prometheus adds at scrape time, which the application's output does not carry. */
	private static final Set<String> TARGET_LABELS = Set.of("job", "instance");

	/** Grafana's own variables, defined by no dashboard. */
	private static final Set<String> GRAFANA_VARIABLES = Set.of("__rate_interval", "__interval", "__range");

	private static final Set<String> CORE_PANEL_TYPES = Set.of("timeseries", "state-timeline", "stat", "gauge",
			"bargauge", "table", "text", "status-history", "barchart", "piechart", "heatmap", "row");

	private static final Pattern METRIC = Pattern.compile("\\b(zeroclaw_[a-z0-9_]+)\\b");

	private static final Pattern SELECTOR = Pattern.compile("\\b(zeroclaw_[a-z0-9_]+)\\{([^}]*)}");

	private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");

	private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring)\\s*\\(([^)]*)\\)");

	private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");

	private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");

	private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{(\\w+)(?::\\w+)?}|(\\w+))");

	private static final Pattern EXPOSITION_LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? \\S+.*$");

	private static final Pattern README_METER = Pattern.compile("`(zeroclaw_[a-z0-9_]+)(?:\\{([a-z_,]*)})?`");

	private static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	private final HttpClient client = HttpClient.newHttpClient();

	/** Metric name, then label name, then the values seen. */
	private final Map<String, Map<String, Set<String>>> served = new HashMap<>();

	@BeforeEach
	void scrapeTheSampleApp() throws Exception {
		HttpResponse<String> response = this.client.send(
				HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/prometheus")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		for (String line : response.body().split("\n")) {
			Matcher sample = EXPOSITION_LINE.matcher(line);
			if (line.startsWith("#") || !sample.matches()) {
				continue;
			}
			Map<String, Set<String>> labels = this.served.computeIfAbsent(sample.group(1), (name) -> new HashMap<>());
			if (sample.group(2) != null) {
				Matcher label = MATCHER.matcher(sample.group(2));
				while (label.find()) {
					labels.computeIfAbsent(label.group(1), (name) -> new TreeSet<>()).add(label.group(3));
				}
			}
		}
		assertThat(this.served).as("the sample's own meters").containsKey("zeroclaw_resilience_backpressure_depth");
	}

	@Test
	void everyMetricAndLabelTheDashboardQueriesIsServedBySampleApp() throws IOException {
		List<String> problems = new ArrayList<>();
		for (JsonNode panel : dashboard().get("panels")) {
			for (JsonNode target : panel.get("targets")) {
				String where = "panel '" + panel.get("title").asString() + "' " + target.get("refId").asString();
				problems.addAll(checkQuery(where, target.get("expr").asString(),
						target.path("legendFormat").asString("")));
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void everyVariableTheDashboardUsesIsDefinedAndDataSourceIsPrometheus() throws IOException {
		JsonNode dashboard = dashboard();
		Map<String, JsonNode> variables = new HashMap<>();
		dashboard.at("/templating/list")
			.forEach((variable) -> variables.put(variable.get("name").asString(), variable));
		assertThat(variables).containsKey("datasource");
		assertThat(variables.get("datasource").get("type").asString()).isEqualTo("datasource");
		assertThat(variables.get("datasource").get("query").asString()).isEqualTo("prometheus");
		assertThat(dashboard.get("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);

		List<String> problems = new ArrayList<>();
		Set<Integer> ids = new TreeSet<>();
		for (JsonNode panel : dashboard.get("panels")) {
			String title = panel.get("title").asString();
			if (!ids.add(panel.get("id").asInt())) {
				problems.add(title + ": id " + panel.get("id") + " used twice");
			}
			if (!CORE_PANEL_TYPES.contains(panel.get("type").asString())) {
				problems.add(title + ": panel type " + panel.get("type") + " is not a core Grafana panel");
			}
			List<JsonNode> sources = new ArrayList<>(List.of(panel.path("datasource")));
			panel.get("targets").forEach((target) -> sources.add(target.path("datasource")));
			for (JsonNode source : sources) {
				if (!"${datasource}".equals(source.path("uid").asString(""))
						|| !"prometheus".equals(source.path("type").asString(""))) {
					problems.add(title + ": data source " + source + " is not the dashboard's Prometheus variable");
				}
			}
			for (JsonNode target : panel.get("targets")) {
				Matcher variable = VARIABLE.matcher(target.get("expr").asString());
				while (variable.find()) {
					String name = (variable.group(1) != null) ? variable.group(1) : variable.group(2);
					if (!variables.containsKey(name) && !GRAFANA_VARIABLES.contains(name)) {
						problems.add(title + ": $" + name + " is no variable of the dashboard's");
					}
				}
			}
		}
		dashboard.at("/templating/list").forEach((variable) -> {
			if ("query".equals(variable.get("type").asString())) {
				problems.addAll(checkQuery("variable " + variable.get("name").asString(),
						variable.get("query").asString().replaceAll("^label_values\\((.*),\\s*\\w+\\)$", "$1"), ""));
			}
		});
		assertThat(problems).isEmpty();
	}

	@Test
	void stateTimelineMapsEveryBreakerStateTheGaugeReports() throws IOException {
		Set<String> mapped = new TreeSet<>();
		for (JsonNode panel : dashboard().get("panels")) {
			if (panel.get("targets").toString().contains("zeroclaw_resilience_circuitbreaker_state")) {
				panel.at("/fieldConfig/defaults/mappings").forEach((mapping) -> mapping.get("options")
					.forEach((option) -> mapped.add(option.get("text").asString())));
			}
		}
		assertThat(mapped).containsExactlyInAnyOrderElementsOf(
				this.served.get("zeroclaw_resilience_circuitbreaker_state").get("state"));
	}

	@Test
	void everyPrometheusNameTheReadmeGivesIsServedWithTheLabelsItLists() throws IOException {
		List<String> problems = new ArrayList<>();
		Matcher meter = README_METER.matcher(Files.readString(README));
		while (meter.find()) {
			String name = meter.group(1);
			Map<String, Set<String>> labels = this.served.get(name);
			if (labels == null) {
				problems.add("README names " + name + ", which the sample app does not serve");
				continue;
			}
			if (meter.group(2) != null) {
				Set<String> listed = new TreeSet<>(List.of(meter.group(2).split(",")));
				listed.remove("");
				if (!listed.equals(labels.keySet())) {
					problems.add("README gives " + name + listed + ", the sample app serves it with "
							+ labels.keySet());
				}
			}
		}
		assertThat(problems).isEmpty();
	}

	private List<String> checkQuery(String where, String expr, String legend) {
		List<String> problems = new ArrayList<>();
		Set<String> metrics = new LinkedHashSet<>();
		Matcher metric = METRIC.matcher(expr);
		while (metric.find()) {
			metrics.add(metric.group(1));
		}
		if (metrics.isEmpty() && !expr.matches("\\s*up\\s*")) {
			problems.add(where + ": names no metric of the starter's");
		}
		for (String name : metrics) {
			if (!this.served.containsKey(name)) {
				problems.add(where + ": " + name + " is not served (served: " + new TreeSet<>(this.served.keySet())
						.stream().filter((served) -> served.startsWith("zeroclaw")).toList() + ")");
			}
		}
		Matcher selector = SELECTOR.matcher(expr);
		while (selector.find()) {
			Map<String, Set<String>> labels = this.served.getOrDefault(selector.group(1), Map.of());
			Matcher matcher = MATCHER.matcher(selector.group(2));
			while (matcher.find()) {
				String label = matcher.group(1);
				if (TARGET_LABELS.contains(label)) {
					continue;
				}
				if (!labels.containsKey(label)) {
					problems.add(where + ": " + selector.group(1) + " has no label " + label);
				}
				else if ("=".equals(matcher.group(2)) && !labels.get(label).contains(matcher.group(3))) {
					problems.add(where + ": " + selector.group(1) + " never has " + label + "=\"" + matcher.group(3)
							+ "\" (it has " + labels.get(label) + ")");
				}
			}
		}
		Matcher grouping = GROUPING.matcher(expr);
		while (grouping.find()) {
			for (String label : labelList(grouping.group(1))) {
				for (String name : metrics) {
					if (!TARGET_LABELS.contains(label) && this.served.containsKey(name)
							&& !this.served.get(name).containsKey(label)) {
						problems.add(where + ": groups or matches by " + label + ", which " + name + " lacks");
					}
				}
			}
		}
		Set<String> shown = new TreeSet<>();
		Matcher by = BY.matcher(expr);
		while (by.find()) {
			shown.addAll(labelList(by.group(1)));
		}
		Matcher legendLabel = LEGEND_LABEL.matcher(legend);
		while (legendLabel.find()) {
			String label = legendLabel.group(1);
			boolean kept = shown.isEmpty()
					? metrics.stream().allMatch((name) -> this.served.getOrDefault(name, Map.of()).containsKey(label))
					: shown.contains(label);
			if (!kept) {
				problems.add(where + ": legend shows {{" + label + "}}, which the query's result does not carry");
			}
		}
		return problems;
	}

	private static List<String> labelList(String labels) {
		return List.of(labels.split(",")).stream().map(String::trim).filter((label) -> !label.isEmpty()).toList();
	}

	private static JsonNode dashboard() throws IOException {
		return json.readTree(Files.readString(DASHBOARD));
	}

}
