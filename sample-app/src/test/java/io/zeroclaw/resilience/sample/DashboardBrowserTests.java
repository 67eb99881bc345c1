package io.zeroclaw.resilience.sample;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live dashboard in a real headless Chromium: provider failures injected through the sample app's own endpoints
 * turn the breaker OPEN on the page. A screenshot is left in {@code target/} for people to look at.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "zeroclaw.resilience.circuit-breaker.instances.demoProvider.recovery-timeout=5m")
class DashboardBrowserTests {

	private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");

	private static WebDriver driver;

	private static Path profile;

	@LocalServerPort
	private int port;

	private final HttpClient client = HttpClient.newHttpClient();

	@BeforeAll
	static void startBrowser() throws Exception {
		boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
		if (!present && "true".equals(System.getenv("CI"))) {
			throw new IllegalStateException("CI must provide /usr/bin/chromium and /usr/bin/chromedriver "
					+ "(Debian packages chromium and chromium-driver, installed by .ci/run)");
		}
		assumeTrue(present, "Chromium is not installed here (apt-get install chromium chromium-driver)");
		profile = Files.createTempDirectory("zeroclaw-chromium");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--window-size=1280,900", "--user-data-dir=" + profile);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		driver = new ChromeDriver(service, options);
	}

	@AfterAll
	static void stopBrowser() throws Exception {
		if (driver != null) {
			driver.quit();
		}
		if (profile != null) {
			// a few megabytes per run, never reused
			FileSystemUtils.deleteRecursively(profile);
		}
	}

	@Test
	void injectedProviderFailuresShouldTurnTheBreakerOpenOnThePage() throws Exception {
		driver.get("http://localhost:" + this.port + "/");
		WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(15));
		By demoState = By.cssSelector("tr[data-breaker='demoProvider'] .state");
		wait.until(ExpectedConditions.textToBe(demoState, "CLOSED"));
		// the webhook policy's quota as configured: 5 a minute, no burst
		By webhookQuota = By.cssSelector("tr[data-policy='webhook'] td:nth-child(2)");
		wait.until(ExpectedConditions.textToBe(webhookQuota, "5 / 1 min"));

		send("PUT", "/demo/provider?failureRate=1.0&latencyMs=0", "");
		int status = 0;
		for (int i = 0; i < 20 && status != 503; i++) {
			status = send("POST", "/chat", "{\"message\":\"hello\"}").statusCode();
		}
		assertThat(status).isEqualTo(503);

		wait.until(ExpectedConditions.textToBe(demoState, "OPEN"));
		assertThat(driver.findElement(By.id("status")).getText()).startsWith("updated");
		File screenshot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
		Path target = Paths.get("target", "dashboard-breaker-open.png");
		Files.createDirectories(target.getParent());
		Files.copy(screenshot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
		assertThat(Files.size(target)).isPositive();

		send("PUT", "/demo/provider?failureRate=0.0&latencyMs=0", "");
		send("POST", "/actuator/resilience/demoProvider", "{\"state\":\"CLOSED\"}");
		wait.until(ExpectedConditions.textToBe(demoState, "CLOSED"));
	}

	private HttpResponse<String> send(String method, String path, String body) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("Content-Type", "application/json")
			.method(method, HttpRequest.BodyPublishers.ofString(body))
			.build();
		return this.client.send(request, HttpResponse.BodyHandlers.ofString());
	}

}
