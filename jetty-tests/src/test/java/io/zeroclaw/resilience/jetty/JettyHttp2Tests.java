package io.zeroclaw.resilience.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.zeroclaw.resilience.autoconfigure.ratelimit.RateLimiterFactory;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.H2AsyncClientBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http2.config.H2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter on a real Jetty over HTTP/2 (h2c, by upgrade and with prior knowledge) and at the edges of HTTP/1.1, as
 * {@code RateLimitHttp2IntegrationTests} does on Tomcat. Jetty sends no {@code 100 Continue} before the application
 * reads the body, so a refused upload that asked for one is answered without its body being sent.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		classes = JettyHttp2Tests.App.class,
		properties = { "server.http2.enabled=true", "zeroclaw.resilience.rate-limit.enabled=true",
				"zeroclaw.resilience.rate-limit.requests-per-window=2", "zeroclaw.resilience.rate-limit.burst=0",
				"zeroclaw.resilience.rate-limit.key=header", "zeroclaw.resilience.rate-limit.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.many.paths=/many/**",
				"zeroclaw.resilience.rate-limit.policies.many.key=header",
				"zeroclaw.resilience.rate-limit.policies.many.key-header=X-Client",
				"zeroclaw.resilience.rate-limit.policies.many.requests-per-window=10",
				"zeroclaw.resilience.rate-limit.policies.many.burst=0" })
class JettyHttp2Tests {

	private static final List<String> CONNECTION_SPECIFIC = List.of("connection", "keep-alive", "proxy-connection",
			"transfer-encoding", "upgrade");

	@LocalServerPort
	private int port;

	private static CloseableHttpAsyncClient h2;

	@BeforeAll
	static void startClient() {
		h2 = H2AsyncClientBuilder.create()
			.disableAutomaticRetries()
			.setH2Config(H2Config.custom().setMaxConcurrentStreams(100).build())
			.build();
		h2.start();
	}

	@AfterAll
	static void stopClient() throws IOException {
		h2.close();
	}

	// ---- HTTP/2 -------------------------------------------------------------------------------------------------

	@Test
	void upgradedConnectionShouldCountEachRequestAndRefuseWithEveryHeader() throws Exception {
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
		List<HttpResponse<String>> responses = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			responses.add(client.send(HttpRequest.newBuilder(uri("/up")).header("X-Client", "upgrade").build(),
					HttpResponse.BodyHandlers.ofString()));
		}
		assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(200, 200, 429);
		HttpResponse<String> refused = responses.get(2);
		assertThat(refused.version()).isEqualTo(HttpClient.Version.HTTP_2);
		assertThat(refused.headers().firstValue("retry-after")).hasValue("30");
		assertThat(refused.headers().firstValue("ratelimit")).hasValue("\"default\";r=0;t=60");
		assertThat(refused.headers().firstValue("ratelimit-policy")).hasValue("\"default\";q=2;w=60");
		assertThat(refused.headers().firstValue("content-type")).hasValue("application/problem+json");
		assertThat(refused.body()).contains("\"status\":429");
		assertThat(refused.headers().map().keySet()).doesNotContainAnyElementsOf(CONNECTION_SPECIFIC);
	}

	@Test
	void priorKnowledgeStreamsShouldBeCountedExactlyAndRefusalsShouldNotHarmTheConnection() throws Exception {
		List<Future<SimpleHttpResponse>> futures = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			futures.add(h2.execute(SimpleRequestBuilder.get(uri("/many/" + i)).addHeader("X-Client", "streams")
				.build(), null));
		}
		int allowed = 0;
		int refused = 0;
		for (Future<SimpleHttpResponse> future : futures) {
			SimpleHttpResponse response = future.get(20, TimeUnit.SECONDS);
			assertThat(response.getVersion().getMajor()).isEqualTo(2);
			assertNoConnectionSpecificHeaders(response);
			if (response.getCode() == 200) {
				allowed++;
			}
			else {
				assertThat(response.getCode()).isEqualTo(429);
				assertThat(response.getFirstHeader("Retry-After")).isNotNull();
				assertThat(response.getFirstHeader("RateLimit").getValue()).isEqualTo("\"many\";r=0;t=60");
				assertThat(response.getFirstHeader("RateLimit-Policy").getValue()).isEqualTo("\"many\";q=10;w=60");
				assertThat(response.getBodyText()).contains("\"status\":429");
				refused++;
			}
		}
		assertThat(allowed).isEqualTo(10);
		assertThat(refused).isEqualTo(30);
		SimpleHttpResponse other = h2.execute(SimpleRequestBuilder.get(uri("/many/x"))
			.addHeader("X-Client", "streams-other").build(), null).get(10, TimeUnit.SECONDS);
		assertThat(other.getCode()).isEqualTo(200);
	}

	@Test
	void refusedLargeUploadOnAStreamShouldNotStallTheOtherStreams() throws Exception {
		h2.execute(get("/big-h2", "big-h2"), null).get(10, TimeUnit.SECONDS);
		h2.execute(get("/big-h2", "big-h2"), null).get(10, TimeUnit.SECONDS);
		byte[] body = new byte[8 * 1024 * 1024];
		List<Future<SimpleHttpResponse>> uploads = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			uploads.add(h2.execute(SimpleRequestBuilder.post(uri("/big-h2"))
				.addHeader("X-Client", "big-h2")
				.setBody(body, ContentType.APPLICATION_OCTET_STREAM)
				.build(), null));
		}
		for (Future<SimpleHttpResponse> upload : uploads) {
			assertThat(upload.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(429);
		}
		SimpleHttpResponse other = h2.execute(get("/big-h2", "big-h2-other"), null).get(10, TimeUnit.SECONDS);
		assertThat(other.getCode()).isEqualTo(200);
	}

	@Test
	void refusedHeadOnHttp2ShouldHaveTheHeadersAndNoBody() throws Exception {
		h2.execute(get("/head-h2", "head-h2"), null).get(10, TimeUnit.SECONDS);
		h2.execute(get("/head-h2", "head-h2"), null).get(10, TimeUnit.SECONDS);
		SimpleHttpResponse head = h2.execute(SimpleRequestBuilder.head(uri("/head-h2"))
			.addHeader("X-Client", "head-h2").build(), null).get(10, TimeUnit.SECONDS);
		assertThat(head.getCode()).isEqualTo(429);
		assertThat(head.getFirstHeader("RateLimit")).isNotNull();
		assertThat(head.getBodyBytes()).isNullOrEmpty();
		assertNoConnectionSpecificHeaders(head);
	}

	// ---- HTTP/1.1 at the edges ---------------------------------------------------------------------------------

	@Test
	void expectContinueShouldBeRefusedWithoutWaitingForTheBody() throws Exception {
		spend("/expect", "expect");
		try (Socket socket = socket()) {
			OutputStream out = socket.getOutputStream();
			out.write(ascii("POST /expect HTTP/1.1\r\nHost: x\r\nX-Client: expect\r\nContent-Length: 10\r\n"
					+ "Expect: 100-continue\r\n\r\n"));
			out.flush();
			Response refused = Response.read(socket.getInputStream(), false);
			assertThat(refused.status).isEqualTo(429);
			assertThat(refused.interim).as("100 Continue sent before the refusal").isEmpty();
		}
	}

	@Test
	void keepAliveConnectionShouldServeARequestAfterARefusedSmallUpload() throws Exception {
		spend("/small", "small");
		try (Socket socket = socket()) {
			OutputStream out = socket.getOutputStream();
			out.write(ascii("POST /small HTTP/1.1\r\nHost: x\r\nX-Client: small\r\nContent-Length: 5\r\n\r\nhello"
					+ "GET /small HTTP/1.1\r\nHost: x\r\nX-Client: small-other\r\n\r\n"));
			out.flush();
			InputStream in = socket.getInputStream();
			assertThat(Response.read(in, false).status).isEqualTo(429);
			assertThat(Response.read(in, false).status).isEqualTo(200);
		}
	}

	@Test
	void keepAliveConnectionShouldServeARequestAfterARefusedChunkedUpload() throws Exception {
		spend("/chunked", "chunked");
		try (Socket socket = socket()) {
			OutputStream out = socket.getOutputStream();
			out.write(ascii("POST /chunked HTTP/1.1\r\nHost: x\r\nX-Client: chunked\r\nTransfer-Encoding: chunked\r\n"
					+ "\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
					+ "GET /chunked HTTP/1.1\r\nHost: x\r\nX-Client: chunked-other\r\n\r\n"));
			out.flush();
			InputStream in = socket.getInputStream();
			assertThat(Response.read(in, false).status).isEqualTo(429);
			assertThat(Response.read(in, false).status).isEqualTo(200);
		}
	}

	@Test
	void refusedUploadAboveTheSwallowSizeShouldStillBeAnsweredWith429() throws Exception {
		spend("/huge", "huge");
		try (Socket socket = socket()) {
			OutputStream out = socket.getOutputStream();
			int length = 4 * 1024 * 1024;
			out.write(ascii("POST /huge HTTP/1.1\r\nHost: x\r\nX-Client: huge\r\nContent-Length: " + length
					+ "\r\n\r\n"));
			CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
				try {
					out.write(new byte[length]);
					out.flush();
				}
				catch (IOException ex) {
					// the server may close before the body is sent
				}
			});
			Response refused = Response.read(socket.getInputStream(), false);
			assertThat(refused.status).isEqualTo(429);
			writing.get(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void pipelinedRequestsShouldEachBeAnsweredInOrder() throws Exception {
		try (Socket socket = socket()) {
			OutputStream out = socket.getOutputStream();
			StringBuilder requests = new StringBuilder();
			for (int i = 0; i < 3; i++) {
				requests.append("GET /pipe HTTP/1.1\r\nHost: x\r\nX-Client: pipe\r\n\r\n");
			}
			requests.append("GET /pipe HTTP/1.1\r\nHost: x\r\nX-Client: pipe-other\r\n\r\n");
			out.write(ascii(requests.toString()));
			out.flush();
			InputStream in = socket.getInputStream();
			List<Integer> statuses = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				statuses.add(Response.read(in, false).status);
			}
			assertThat(statuses).containsExactly(200, 200, 429, 200);
		}
	}

	@Test
	void headShouldBeCountedAndItsRefusalShouldHaveNoBody() throws Exception {
		try (Socket socket = socket()) {
			OutputStream out = socket.getOutputStream();
			out.write(ascii("HEAD /head HTTP/1.1\r\nHost: x\r\nX-Client: head\r\n\r\n"
					+ "HEAD /head HTTP/1.1\r\nHost: x\r\nX-Client: head\r\n\r\n"
					+ "HEAD /head HTTP/1.1\r\nHost: x\r\nX-Client: head\r\n\r\n"
					+ "GET /head HTTP/1.1\r\nHost: x\r\nX-Client: head-other\r\n\r\n"));
			out.flush();
			InputStream in = socket.getInputStream();
			assertThat(Response.read(in, true).status).isEqualTo(200);
			assertThat(Response.read(in, true).status).isEqualTo(200);
			Response refused = Response.read(in, true);
			assertThat(refused.status).isEqualTo(429);
			assertThat(refused.headers).containsKeys("retry-after", "ratelimit", "ratelimit-policy");
			Response next = Response.read(in, false);
			assertThat(next.status).isEqualTo(200);
			assertThat(next.body).isEqualTo("ok");
		}
	}

	@Test
	void optionsTraceAndAnUnmappedMethodShouldBeCounted() throws Exception {
		assertThat(oneShot("TRACE", "/methods", "methods").status).isEqualTo(200);
		assertThat(oneShot("OPTIONS", "/methods", "methods").status).isEqualTo(200);
		Response refused = oneShot("FOO", "/methods", "methods");
		assertThat(refused.status).isEqualTo(429);
		assertThat(refused.body).contains("\"status\":429");
	}

	// ---- async ---------------------------------------------------------------------------------------------------

	@Test
	void asyncRequestsShouldBeCountedOnce() throws Exception {
		for (String kind : List.of("deferred", "callable", "sse", "stream")) {
			HttpClient client = HttpClient.newHttpClient();
			List<HttpResponse<String>> responses = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				responses.add(client.send(HttpRequest.newBuilder(uri("/async/" + kind))
					.header("X-Client", "async-" + kind).build(), HttpResponse.BodyHandlers.ofString()));
			}
			assertThat(responses).as(kind).extracting(HttpResponse::statusCode).containsExactly(200, 200, 429);
			assertThat(responses.get(0).headers().firstValue("ratelimit")).as(kind).hasValue("\"default\";r=1;t=30");
			assertThat(responses.get(0).body()).as(kind).contains("async");
		}
	}

	@Test
	void asyncRequestsOnHttp2ShouldBeCountedOnce() throws Exception {
		for (String kind : List.of("deferred", "callable", "sse", "stream")) {
			List<Integer> statuses = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				SimpleHttpResponse response = h2.execute(get("/async/" + kind, "async-h2-" + kind), null)
					.get(10, TimeUnit.SECONDS);
				statuses.add(response.getCode());
				if (i == 0) {
					assertThat(response.getBodyText()).as(kind).contains("async");
				}
			}
			assertThat(statuses).as(kind).containsExactly(200, 200, 429);
		}
	}

	// ---- helpers ---------------------------------------------------------------------------------------------------

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	private SimpleHttpRequest get(String path, String client) {
		return SimpleRequestBuilder.get(uri(path)).addHeader("X-Client", client).build();
	}

	private static void assertNoConnectionSpecificHeaders(SimpleHttpResponse response) {
		for (Header header : response.getHeaders()) {
			assertThat(CONNECTION_SPECIFIC).doesNotContain(header.getName().toLowerCase(Locale.ROOT));
		}
	}

	private void spend(String path, String client) throws IOException {
		assertThat(oneShot("GET", path, client).status).isEqualTo(200);
		assertThat(oneShot("GET", path, client).status).isEqualTo(200);
	}

	private Response oneShot(String method, String path, String client) throws IOException {
		try (Socket socket = socket()) {
			socket.getOutputStream().write(ascii(method + " " + path + " HTTP/1.1\r\nHost: x\r\nX-Client: " + client
					+ "\r\nConnection: close\r\n\r\n"));
			return Response.read(socket.getInputStream(), method.equals("HEAD"));
		}
	}

	private Socket socket() throws IOException {
		Socket socket = new Socket("localhost", this.port);
		socket.setSoTimeout(10_000);
		return socket;
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.ISO_8859_1);
	}

	/** One HTTP/1.1 response read off a stream, interim ones (1xx) recorded too. */
	static final class Response {

		final int status;

		final Map<String, String> headers;

		final String body;

		final List<Integer> interim;

		private Response(int status, Map<String, String> headers, String body, List<Integer> interim) {
			this.status = status;
			this.headers = headers;
			this.body = body;
			this.interim = interim;
		}

		static Response read(InputStream in, boolean head) throws IOException {
			List<Integer> interim = new ArrayList<>();
			while (true) {
				String statusLine = line(in);
				int status = Integer.parseInt(statusLine.split(" ")[1]);
				Map<String, String> headers = new LinkedHashMap<>();
				for (String line = line(in); !line.isEmpty(); line = line(in)) {
					int colon = line.indexOf(':');
					headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
							line.substring(colon + 1).trim());
				}
				if (status < 200) {
					interim.add(status);
					continue;
				}
				ByteArrayOutputStream body = new ByteArrayOutputStream();
				if (!head && headers.containsKey("content-length")) {
					body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
				}
				else if (!head && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
					for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer
						.parseInt(line(in).trim(), 16)) {
						body.write(in.readNBytes(size));
						line(in);
					}
					line(in);
				}
				return new Response(status, headers, body.toString(StandardCharsets.UTF_8), interim);
			}
		}

		private static String line(InputStream in) throws IOException {
			StringBuilder line = new StringBuilder();
			for (int c = in.read(); c != '\n'; c = in.read()) {
				if (c < 0) {
					throw new IOException("connection closed after: " + line);
				}
				if (c != '\r') {
					line.append((char) c);
				}
			}
			return line.toString();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ Async.Controller.class, Async.AnyPath.class })
	static class App {

		@Bean
		RateLimiterFactory frozenClockRateLimiterFactory() {
			return (policy, maxKeys) -> new LocalRateLimiter(policy, maxKeys, () -> 42L);
		}

	}

	static class Async {

		@RestController
		static class AnyPath {

			@RequestMapping("/**")
			String ok() {
				return "ok";
			}

		}

		@RestController
		static class Controller {

			@GetMapping("/async/deferred")
			DeferredResult<String> deferred() {
				DeferredResult<String> result = new DeferredResult<>();
				CompletableFuture.runAsync(() -> result.setResult("async deferred"));
				return result;
			}

			@GetMapping("/async/callable")
			Callable<String> callable() {
				return () -> "async callable";
			}

			@GetMapping("/async/sse")
			SseEmitter sse() {
				SseEmitter emitter = new SseEmitter();
				CompletableFuture.runAsync(() -> {
					try {
						emitter.send("async sse");
						emitter.complete();
					}
					catch (IOException ex) {
						emitter.completeWithError(ex);
					}
				});
				return emitter;
			}

			@GetMapping("/async/stream")
			StreamingResponseBody stream() {
				return (out) -> out.write("async stream".getBytes(StandardCharsets.UTF_8));
			}

		}

	}

}
