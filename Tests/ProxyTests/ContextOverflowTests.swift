import Testing

@testable import Proxy

/// Context-length refusals rewritten the way Claude Code reads them.
struct ContextOverflowTests {
    @Test(arguments: [
        (
            "This model's maximum context length is 131072 tokens. However, you requested 250000 tokens (249000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
            250_000, 131_072
        ),
        ("This model's maximum context length is 8192 tokens, however you requested 9000 tokens", 9_000, 8_192),
        (
            "context_length_exceeded: the context length of 65536 tokens was exceeded: prompt has 70000 tokens", 70_000,
            65_536
        ),
        ("prompt is too long: 210000 tokens > 200000 maximum", 210_000, 200_000),
    ])
    func refusalsWithBothNumbersAreRewritten(message: String, requested: Int, maximum: Int) throws {
        let parsed = try #require(ContextOverflow.parse(message))
        #expect(parsed.requested == requested)
        #expect(parsed.maximum == maximum)
        let rewritten = try #require(ContextOverflow.rewrite(message, label: "nvidia (z-ai/glm4.7)"))
        // The form Claude Code matches: /prompt is too long[^0-9]*(\d+)\s*tokens?\s*>\s*(\d+)/i.
        #expect(rewritten.hasPrefix("prompt is too long: \(requested) tokens > \(maximum) maximum"))
        #expect(rewritten.contains("nvidia (z-ai/glm4.7): "), "the provider's words are kept")
    }

    @Test(arguments: [
        "This model's maximum context length is 131072 tokens.",  // no requested count: nothing made up
        "Invalid parameter: temperature must be between 0 and 2",
        "you requested 100 tokens but the maximum context length is 131072",  // fits: not an overflow
        "rate limit: you requested 250000 tokens per minute",
    ])
    func otherMessagesAreLeftAlone(message: String) {
        #expect(ContextOverflow.rewrite(message, label: "p (m)") == nil)
    }
}
