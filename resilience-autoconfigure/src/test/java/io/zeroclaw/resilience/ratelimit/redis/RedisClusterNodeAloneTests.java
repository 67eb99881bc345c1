package io.zeroclaw.resilience.ratelimit.redis;

import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone settings pointed at one node of a Redis Cluster: the node would answer {@code MOVED} for most keys,
 * so every such decision would fail and the shared quota split in silence; start-up warns, naming the property.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisClusterNodeAloneTests {

	@RegisterExtension
	static final RedisServer node = RedisServer.clusterNode();

	private RedisClient client;

	@AfterEach
	void shutdown() {
		if (this.client != null) {
			this.client.shutdown();
		}
	}

	@Test
	void connectionToOneNodeOfAClusterShouldBeWarnedOf(CapturedOutput output) throws Exception {
		this.client = RedisClient.create(node.uri());
		LettuceConnector connector = new LettuceConnector(() -> this.client.connect(ByteArrayCodec.INSTANCE).async());
		RedisRateLimiter.prepare(connector).get(20, TimeUnit.SECONDS);
		assertThat(output).contains("is a node of a Redis Cluster, but the connection is not a cluster connection")
			.contains("spring.data.redis.cluster.nodes");
	}

	@Test
	void userAllowedInfoButNotTheScriptsLoadShouldStillBeWarned(CapturedOutput output) {
		assertThat(node.command("ACL", "SETUSER", "no-load", "on", ">pw", "~*", "+@all", "-script|load"))
			.isEqualTo("+OK");
		try {
			this.client = RedisClient.create(RedisURI.builder()
				.withHost("127.0.0.1")
				.withPort(node.port())
				.withAuthentication("no-load", "pw")
				.build());
			LettuceConnector connector = new LettuceConnector(
					() -> this.client.connect(ByteArrayCodec.INSTANCE).async());
			try {
				assertThat(RedisRateLimiter.prepare(connector)).as("the load is refused")
					.failsWithin(20, TimeUnit.SECONDS);
				assertThat(output).contains("is a node of a Redis Cluster, but the connection is not a cluster "
						+ "connection");
			}
			finally {
				connector.stop();
			}
		}
		finally {
			node.command("ACL", "DELUSER", "no-load");
		}
	}

}
