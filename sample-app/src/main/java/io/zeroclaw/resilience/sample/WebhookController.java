package io.zeroclaw.resilience.sample;

import java.util.Map;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A webhook receiver, the kind of endpoint a noisy or hostile client floods. It is limited by the {@code webhook}
 * rate-limit policy of {@code application.yml}: five requests a minute per client address; the sixth is answered 429
 * by the rate-limit filter before it gets here.
 */
@RestController
class WebhookController {

	@PostMapping("/webhook")
	Map<String, Boolean> receive() {
		return Map.of("accepted", true);
	}

}
