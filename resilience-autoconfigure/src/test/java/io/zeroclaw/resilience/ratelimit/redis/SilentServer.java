package io.zeroclaw.resilience.ratelimit.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server on a free loopback port that accepts connections and never says a word: a Redis behind a proxy whose Redis
 * is down, or a port that is not Redis. Closing it closes every connection it accepted.
 */
public final class SilentServer implements AutoCloseable {

	private final ServerSocket socket;

	private final List<Socket> accepted = new CopyOnWriteArrayList<>();

	public SilentServer() throws IOException {
		this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(() -> {
			while (!this.socket.isClosed()) {
				try {
					this.accepted.add(this.socket.accept());
				}
				catch (IOException ex) {
					return;
				}
			}
		}, "silent-acceptor");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	/** @return the port it listens on */
	public int port() {
		return this.socket.getLocalPort();
	}

	/** @return whether a client has connected */
	public boolean hasAccepted() {
		return !this.accepted.isEmpty();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
		for (Socket connection : this.accepted) {
			connection.close();
		}
	}

}
