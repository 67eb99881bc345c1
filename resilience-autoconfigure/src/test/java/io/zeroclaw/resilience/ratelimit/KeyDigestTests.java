package io.zeroclaw.resilience.ratelimit;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.zeroclaw.resilience.testsupport.ConcurrentRun;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KeyDigestTests {

	@Test
	void digestShouldBeThePrefixAndTheUnpaddedBase64urlSha256OfTheUtf8Bytes() {
		// SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad
		assertThat(KeyDigest.of("abc")).isEqualTo("sha256:ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
		assertThat(KeyDigest.of("")).isEqualTo("sha256:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
		assertThat(KeyDigest.of("clé")).isNotEqualTo(KeyDigest.of("cle")).hasSize(50);
	}

	@Test
	void keysTooLongOrSpelledLikeADigestShouldBeDigested() {
		assertThat(KeyDigest.mustDigest("a".repeat(64), 64)).isFalse();
		assertThat(KeyDigest.mustDigest("a".repeat(65), 64)).isTrue();
		assertThat(KeyDigest.mustDigest("sha256:short", 64)).isTrue();
		assertThat(KeyDigest.mustDigest("header:sha256:" + "x".repeat(43), 64)).isFalse();
	}

	@Test
	void keysThatDifferOnlyInLoneSurrogatesShouldHaveDigestsOfTheirOwn() {
		// UTF-8, and every other charset's encoder, writes each lone surrogate as one replacement
		String high = "user-" + "x".repeat(300) + '\uD800';
		String low = "user-" + "x".repeat(300) + '\uDC00';
		String replaced = "user-" + "x".repeat(300) + '?';
		assertThat(KeyDigest.of(high)).isNotEqualTo(KeyDigest.of(low))
			.isNotEqualTo(KeyDigest.of(replaced))
			.isNotEqualTo(KeyDigest.of(replaced.replace('?', '\uFFFD')))
			.hasSize(50);
		// a pair is well-formed: digested as its UTF-8 bytes, as before
		assertThat(KeyDigest.of("\uD83D\uDE00")).isEqualTo(KeyDigest.of(new String(Character.toChars(0x1F600))));
		assertThat(KeyDigest.mustDigestAsUtf8("a\uD800", 64)).isTrue();
		assertThat(KeyDigest.mustDigestAsUtf8("a\uD83D\uDE00", 64)).isFalse();
		assertThat(KeyDigest.mustDigestAsUtf8("\uDE00\uD83D", 64)).isTrue();
	}

	@Test
	void threadsDigestingAtOnceShouldEachGetTheirKeysOwnDigest() throws Exception {
		String[] keys = new String[64];
		String[] expected = new String[keys.length];
		for (int i = 0; i < keys.length; i++) {
			keys[i] = "client-" + i;
			expected[i] = KeyDigest.of(keys[i]);
		}
		AtomicInteger wrong = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(4);
		try {
			ConcurrentRun.together(pool, 4, Duration.ofSeconds(30), (thread) -> {
				for (int round = 0; round < 20_000; round++) {
					int i = (round * 7 + thread) % keys.length;
					if (!KeyDigest.of(keys[i]).equals(expected[i])) {
						wrong.incrementAndGet();
					}
				}
			});
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(wrong).hasValue(0);
	}

}
