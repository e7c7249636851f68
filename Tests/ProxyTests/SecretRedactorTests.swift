import Testing

@testable import Proxy

struct SecretRedactorTests {
    @Test func masksConfiguredSecretsEverywhere() {
        let redactor = SecretRedactor(secrets: ["abc123secret", "zz"])
        #expect(redactor.redact("key=abc123secret, again abc123secret") == "key=[REDACTED], again [REDACTED]")
        #expect(redactor.redact("zz is too short to be a key") == "zz is too short to be a key")
    }

    @Test func masksKeyShapedTokensItDoesNotKnow() {
        let redactor = SecretRedactor(secrets: [])
        #expect(redactor.redact("Incorrect API key provided: sk-proj-1234567890abcdef.") .contains("[REDACTED]"))
        #expect(!redactor.redact("Authorization: Bearer nvapi-0123456789abcdef").contains("nvapi-0123456789abcdef"))
        #expect(!redactor.redact("header \"Bearer abcdefgh12345678\"").contains("abcdefgh12345678"))
        #expect(redactor.redact("a skeleton key") == "a skeleton key")
    }

    @Test func longerSecretsAreRemovedWhole() {
        let redactor = SecretRedactor(secrets: ["abcd", "abcdefgh"])
        #expect(redactor.redact("abcdefgh") == "[REDACTED]")
    }
}

struct APIErrorTests {
    @Test(arguments: [
        (400, "invalid_request_error", 400), (401, "authentication_error", 401), (402, "billing_error", 402),
        (403, "permission_error", 403), (404, "not_found_error", 404), (408, "timeout_error", 504),
        (413, "request_too_large", 413), (422, "invalid_request_error", 400), (429, "rate_limit_error", 429),
        (500, "api_error", 500), (502, "api_error", 500), (503, "overloaded_error", 529),
        (504, "timeout_error", 504), (529, "overloaded_error", 529), (418, "invalid_request_error", 400),
    ])
    func upstreamStatusesMapToAnthropicErrors(upstream: Int, type: String, status: Int) {
        let error = APIError.forUpstreamStatus(upstream, message: "m")
        #expect(error.kind.rawValue == type)
        #expect(error.status == status)
    }

    @Test func bodyIsAnthropicShaped() throws {
        let error = APIError(.rateLimit, "slow \"down\"\n")
        let json = try JSONParser.parse(error.jsonBody)
        #expect(json["type"] == "error")
        #expect(json["error"]?["type"] == "rate_limit_error")
        #expect(json["error"]?["message"] == "slow \"down\"\n")
    }
}
