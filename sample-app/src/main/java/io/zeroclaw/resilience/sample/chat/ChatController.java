package io.zeroclaw.resilience.sample.chat;

import io.zeroclaw.resilience.provider.Provider;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code POST /chat {"message":"..."}} answers {@code 200 {"reply":"..."}} from the {@code demoProvider} bean. When
 * its circuit breaker is open the call is refused before it reaches the provider, and the starter answers 503 with
 * Retry-After.
 */
@RestController
public class ChatController {

	private static final String MODEL = "demo-model";

	private final Provider provider;

	public ChatController(Provider demoProvider) {
		this.provider = demoProvider;
	}

	@PostMapping("/chat")
	ChatReply chat(@RequestBody(required = false) ChatRequestBody request) {
		if (request == null || request.message() == null || request.message().isBlank()) {
			// an ErrorResponse: answered as an RFC 9457 problem, like every other refusal of the app
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "message must not be blank");
		}
		return new ChatReply(this.provider.simpleChat(request.message(), MODEL, 0.7));
	}

	record ChatRequestBody(String message) {
	}

	record ChatReply(String reply) {
	}

}
