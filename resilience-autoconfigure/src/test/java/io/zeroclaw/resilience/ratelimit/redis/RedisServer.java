package io.zeroclaw.resilience.ratelimit.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} process on a free loopback port, started before a test class and killed after it.
 * Register it with {@code @RegisterExtension static final RedisServer redis = new RedisServer();}.
 * <p>
 * When no {@code redis-server} is on the {@code PATH}, the tests are skipped with a message saying so, except on CI
 * ({@code CI=true}), where they fail: a CI run must never pass by testing nothing.
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback {

	/**
	 * The servers started and not yet stopped: killed when the JVM exits before their {@code afterAll} (a test JVM
	 * ended on a timeout, as mutation testing does), rather than left running, perhaps frozen, after it.
	 */
	private static final Set<Process> running = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime()
			.addShutdownHook(new Thread(() -> running.forEach(Process::destroyForcibly), "redis-server-reaper"));
	}

	private final int port;

	private final List<String> options;

	private Path executable;

	private Process process;

	/**
	 * @param options more of {@code redis-server}'s command-line options, each name and value an element
	 * ({@code "--cluster-enabled", "yes"})
	 */
	public RedisServer(String... options) {
		this.port = freePort();
		this.options = List.of(options);
	}

	/**
	 * @return a server with cluster mode on, its nodes file in a directory of its own (a node that is part of no
	 * cluster yet: it holds no slots until given some)
	 */
	public static RedisServer clusterNode() {
		try {
			String nodesFile = Files.createTempDirectory("redis-cluster-node").resolve("nodes.conf").toString();
			return new RedisServer("--cluster-enabled", "yes", "--cluster-config-file", nodesFile);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Has a Redis process a test started itself (a Sentinel) killed with this class's servers when the JVM exits
	 * first; it leaves the list once it has ended.
	 * @param process the process
	 * @return the same process
	 */
	public static Process killedWithTheJvm(Process process) {
		running.add(process);
		process.onExit().thenRun(() -> running.remove(process));
		return process;
	}

	/** @return the port the server listens on, the same across {@link #stop()} and {@link #start()} */
	public int port() {
		return this.port;
	}

	/** @return a Redis URI of this server, for Lettuce */
	public String uri() {
		return "redis://127.0.0.1:" + this.port;
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		this.executable = findExecutable();
		start();
	}

	@Override
	public void afterAll(ExtensionContext context) {
		stop();
	}

	/** Starts the server (again) on the same port and waits until it answers {@code PING}. */
	public synchronized void start() {
		if (this.process != null && this.process.isAlive()) {
			return;
		}
		try {
			List<String> command = new ArrayList<>(List.of(this.executable.toString(), "--port",
					Integer.toString(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
					"--protected-mode", "no"));
			command.addAll(this.options);
			this.process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			running.add(this.process);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start " + this.executable, ex);
		}
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(this::answersPing);
	}

	/** Kills the server at once, as a crash would, and waits until the process is gone. */
	public synchronized void stop() {
		if (this.process == null) {
			return;
		}
		this.process.destroyForcibly();
		try {
			this.process.waitFor(20, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		running.remove(this.process);
		this.process = null;
	}

	/**
	 * Stops the process without ending it ({@code SIGSTOP}), as a frozen host or a paused virtual machine: its
	 * connections stay open and nothing on them answers. {@link #thaw()} lets it go on.
	 */
	public synchronized void freeze() {
		signal("STOP");
	}

	/** Lets a {@link #freeze() frozen} server go on ({@code SIGCONT}). */
	public synchronized void thaw() {
		signal("CONT");
	}

	private void signal(String signal) {
		if (this.process == null) {
			return;
		}
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(this.process.pid())).inheritIO()
				.start();
			if (!kill.waitFor(20, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("kill -" + signal + " failed");
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run kill -" + signal, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while sending " + signal, ex);
		}
	}

	/**
	 * Sends one command with the RESP protocol on a fresh connection and returns its reply.
	 * @param args the command and its arguments
	 * @return a bulk string's content, an array's elements joined by commas, or else the reply's line, e.g.
	 * {@code +OK} or {@code :1500}
	 */
	public String command(String... args) {
		return send(null, args);
	}

	/**
	 * Sends one command as {@link #command} does, on a connection that first authenticates with {@code AUTH}: for a
	 * server given a {@code requirepass}.
	 * @param password the default user's password
	 * @param args the command and its arguments
	 * @return the command's reply, as {@link #command} tells it
	 */
	public String authenticated(String password, String... args) {
		return send(password, args);
	}

	private String send(String password, String... args) {
		StringBuilder request = new StringBuilder();
		if (password != null) {
			append(request, "AUTH", password);
		}
		append(request, args);
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 1000);
			socket.setSoTimeout(2000);
			OutputStream out = socket.getOutputStream();
			out.write(request.toString().getBytes(StandardCharsets.UTF_8));
			out.flush();
			InputStream in = socket.getInputStream();
			String first = readLine(in);
			if (password != null) {
				if (!first.equals("+OK")) {
					throw new IllegalStateException("Redis on port " + this.port + " refused AUTH: " + first);
				}
				first = readLine(in);
			}
			if (first.startsWith("$") && !first.startsWith("$-")) {
				byte[] bulk = in.readNBytes(Integer.parseInt(first.substring(1)));
				return new String(bulk, StandardCharsets.UTF_8);
			}
			if (first.startsWith("*") && !first.startsWith("*-")) {
				List<String> elements = new java.util.ArrayList<>();
				for (int i = Integer.parseInt(first.substring(1)); i > 0; i--) {
					String element = readLine(in);
					if (element.startsWith("$") && !element.startsWith("$-")) {
						element = new String(in.readNBytes(Integer.parseInt(element.substring(1))),
								StandardCharsets.UTF_8);
						readLine(in);
					}
					elements.add(element);
				}
				return String.join(",", elements);
			}
			return first;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Redis on port " + this.port + " did not answer " + List.of(args), ex);
		}
	}

	/** @return how many clients are connected to the server, but the one that asks */
	public long otherClients() {
		return command("CLIENT", "LIST").lines().filter((line) -> !line.contains("cmd=client|list")).count();
	}

	private static void append(StringBuilder request, String... args) {
		request.append('*').append(args.length).append("\r\n");
		for (String arg : args) {
			byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
			request.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
		}
	}

	private static String readLine(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = in.read()) != -1 && c != '\r') {
			line.append((char) c);
		}
		in.read();
		return line.toString();
	}

	private boolean answersPing() {
		try {
			return "+PONG".equals(command("PING"));
		}
		catch (IllegalStateException ex) {
			return false;
		}
	}

	private static Path findExecutable() {
		String path = System.getenv("PATH");
		if (path != null) {
			for (String dir : path.split(File.pathSeparator)) {
				Path candidate = Path.of(dir, "redis-server");
				if (Files.isExecutable(candidate)) {
					return candidate;
				}
			}
		}
		String message = "No redis-server on the PATH; install it (e.g. apt-get install -y redis-server) "
				+ "to run the tests against a real Redis";
		if ("true".equalsIgnoreCase(System.getenv("CI"))) {
			throw new IllegalStateException(message + " - on CI these tests must run, not be skipped");
		}
		throw new TestAbortedException(message + "; skipping them here because CI is not set");
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("No free port", ex);
		}
	}

}
