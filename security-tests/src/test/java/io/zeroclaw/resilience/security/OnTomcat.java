package io.zeroclaw.resilience.security;

import org.junit.jupiter.api.BeforeEach;

import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A test of the secured application on a real Tomcat, with a client of its own for each test.
 */
abstract class OnTomcat {

	@LocalServerPort
	int port;

	Http http;

	@BeforeEach
	void connect() {
		this.http = new Http(this.port);
	}

}
