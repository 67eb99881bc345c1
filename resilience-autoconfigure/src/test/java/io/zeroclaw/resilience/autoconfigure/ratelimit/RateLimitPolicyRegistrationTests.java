package io.zeroclaw.resilience.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.zeroclaw.resilience.autoconfigure.ResilienceProperties.KeyType;
import io.zeroclaw.resilience.ratelimit.LocalRateLimiter;
import io.zeroclaw.resilience.ratelimit.RateLimitPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RateLimitPolicyRegistrationTests {

	private static final RateLimitPolicy POLICY = new RateLimitPolicy("writes", 5, Duration.ofMinutes(1), 0);

	@Test
	void methodsShouldBeUpperCaseOnceEachInTheirOrder() {
		assertThat(registration(List.of(" post", "Put", "POST")).methods()).containsExactly("POST", "PUT");
	}

	@Test
	void registrationWithoutMethodsShouldApplyToEveryMethod() {
		RateLimitPolicyRegistration registration = new RateLimitPolicyRegistration(POLICY, List.of("/items/**"),
				KeyType.IP, null, new LocalRateLimiter(POLICY, 10));
		assertThat(registration.methods()).isEmpty();
		assertThat(List.of("GET", "HEAD", "POST", "OPTIONS", "post")).allMatch(registration::appliesTo);
		assertThat(registration(null).methods()).isEmpty();
	}

	@Test
	void methodsShouldBeMatchedExactlyAndHeadWithGet() {
		RateLimitPolicyRegistration writes = registration(List.of("POST"));
		assertThat(writes.appliesTo("POST")).isTrue();
		assertThat(writes.appliesTo("post")).isFalse();
		assertThat(writes.appliesTo("HEAD")).isFalse();
		RateLimitPolicyRegistration reads = registration(List.of("get"));
		assertThat(reads.appliesTo("GET")).isTrue();
		assertThat(reads.appliesTo("HEAD")).isTrue();
		assertThat(reads.appliesTo("OPTIONS")).isFalse();
	}

	@Test
	void nullOrBlankMethodShouldBeRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> registration(List.of("GET", " ")))
			.withMessageContaining("blank");
		assertThatIllegalArgumentException().isThrownBy(() -> registration(Arrays.asList("GET", null)))
			.withMessageContaining("null");
	}

	@Test
	void entryHoldingSeveralMethodsShouldBeRefusedAsThePropertyRefusesIt() {
		// one entry "GET, POST" would make a policy that applies to no request
		assertThatIllegalArgumentException().isThrownBy(() -> registration(List.of("GET, POST")))
			.withMessageContaining("one HTTP method per entry")
			.withMessageContaining("'GET, POST'");
		assertThatIllegalArgumentException().isThrownBy(() -> registration(List.of("GET POST")));
		assertThat(registration(List.of("PROPFIND", "m-search")).methods()).containsExactly("PROPFIND", "M-SEARCH");
	}

	private static RateLimitPolicyRegistration registration(List<String> methods) {
		return new RateLimitPolicyRegistration(POLICY, List.of("/items/**"), KeyType.IP, null,
				new LocalRateLimiter(POLICY, 10), methods);
	}

}
