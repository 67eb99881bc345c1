package io.zeroclaw.resilience.autoconfigure.circuitbreaker;

import java.io.IOException;
import java.net.InetAddress;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;

/** A real HTTP server on the loopback address standing in for an LLM provider's API, and its answers. */
final class UpstreamServer {

	private UpstreamServer() {
	}

	/** @return a server started on a free port of the loopback address */
	static MockWebServer start() throws IOException {
		MockWebServer server = new MockWebServer();
		server.start(InetAddress.getLoopbackAddress(), 0);
		return server;
	}

	/** @return an OpenAI-style error answer, as an overloaded provider sends it */
	static MockResponse serverError() {
		return new MockResponse.Builder().code(500)
			.setHeader("Content-Type", "application/json")
			.body("{\"error\":{\"message\":\"upstream overloaded\",\"type\":\"server_error\"}}")
			.build();
	}

}
