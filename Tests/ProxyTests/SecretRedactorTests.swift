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
        #expect(redactor.redact("Incorrect API key provided: sk-proj-1234567890abcdef.").contains("[REDACTED]"))
        #expect(!redactor.redact("Authorization: Bearer nvapi-0123456789abcdef").contains("nvapi-0123456789abcdef"))
        #expect(!redactor.redact("header \"Bearer abcdefgh12345678\"").contains("abcdefgh12345678"))
        #expect(redactor.redact("a skeleton key") == "a skeleton key")
    }

    @Test func longerSecretsAreRemovedWhole() {
        let redactor = SecretRedactor(secrets: ["abcd", "abcdefgh"])
        #expect(redactor.redact("abcdefgh") == "[REDACTED]")
    }
}
