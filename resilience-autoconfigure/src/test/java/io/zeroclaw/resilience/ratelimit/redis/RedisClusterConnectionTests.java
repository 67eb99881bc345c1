package io.zeroclaw.resilience.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import io.zeroclaw.resilience.ratelimit.RateLimiter;
import io.zeroclaw.resilience.ratelimit.redis.RedisRateLimiterConfig.OnFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The store on a Redis Cluster connection (one node holding every slot) follows that connection as it does a
 * standalone one.
 */
class RedisClusterConnectionTests {

	@RegisterExtension
	static final RedisServer node = RedisServer.clusterNode();

	private RedisClusterClient client;

	@AfterEach
	void shutdown() {
		if (this.client != null) {
			this.client.shutdown();
		}
	}

	@Test
	void clusterConnectionClosedByItsOwnerShouldBeOpenedAgainByTheNextDecision() {
		// answered with an error when the slots are the node's already (its nodes file outlives a restart)
		node.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
		await().atMost(Duration.ofSeconds(20))
			.until(() -> node.command("CLUSTER", "INFO").contains("cluster_state:ok"));
		this.client = RedisClusterClient.create(node.uri());
		List<StatefulRedisClusterConnection<byte[], byte[]>> connections = new CopyOnWriteArrayList<>();
		LettuceConnector connector = new LettuceConnector(() -> {
			StatefulRedisClusterConnection<byte[], byte[]> connection = this.client.connect(ByteArrayCodec.INSTANCE);
			connections.add(connection);
			return connection.async();
		});
		RateLimiter limiter = new RedisRateLimiter(new RateLimitPolicy("api", 10, Duration.ofMinutes(10), 5),
				connector, new RedisRateLimiterConfig("cluster:" + UUID.randomUUID() + ":", Duration.ofSeconds(10),
						OnFailure.DENY),
				null, null);
		assertThat(limiter.tryAcquire("client-1").remaining()).isEqualTo(14);
		// as Spring's connection factory does to its shared connection on resetConnection() or stop()
		connections.get(0).close();
		assertThat(limiter.tryAcquire("client-1").remaining()).isEqualTo(13);
		assertThat(connections).hasSize(2);
	}

}
