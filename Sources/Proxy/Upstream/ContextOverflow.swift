import Foundation

/// A provider's refusal of a conversation longer than the model's window, rewritten in the
/// form Anthropic's API uses and Claude Code reads: `prompt is too long: N tokens > M maximum`.
/// From those two numbers Claude Code works out how much it must shed (it compacts or trims);
/// from the provider's own wording it can only say "the provider said".
enum ContextOverflow {
    /// The tokens asked for and the window, when `message` is a context-length refusal that
    /// states both (OpenAI and vLLM: "This model's maximum context length is 131072 tokens.
    /// However, you requested 250000 tokens (…)"; others: "context length of N … N tokens").
    static func parse(_ message: String) -> (requested: Int, maximum: Int)? {
        let lowered = message.lowercased()
        let mentionsWindow = [
            "maximum context length", "context_length_exceeded", "context length", "context window",
            "maximum model length", "prompt is too long", "input is too long",
        ].contains { lowered.contains($0) }
        guard mentionsWindow else { return nil }
        let maximumPatterns = [
            #"maximum context length is (\d+)"#, #"context length (?:is|of) (\d+)"#,
            #"maximum model length (?:is )?(\d+)"#, #"context window (?:is|of) (\d+)"#, #"> ?(\d+) maximum"#,
            #"maximum(?: allowed)?(?: is)?:? (\d+) tokens"#,
        ]
        let requestedPatterns = [
            #"you requested (\d+) tokens"#, #"requested (\d+) tokens"#, #"(\d+) tokens in the messages"#,
            #"prompt (?:is|has|contains) (\d+) tokens"#, #"input (?:length|tokens)(?: is|:)? (\d+)"#,
            #"too long: (\d+) tokens"#, #"request has (\d+)"#,
        ]
        guard let maximum = firstNumber(in: lowered, patterns: maximumPatterns),
            let requested = firstNumber(in: lowered, patterns: requestedPatterns), requested > maximum
        else { return nil }
        return (requested, maximum)
    }

    /// `prompt is too long: N tokens > M maximum (<who>: <what the provider said>)`, or `nil`.
    static func rewrite(_ message: String, label: String) -> String? {
        guard let (requested, maximum) = parse(message) else { return nil }
        return "prompt is too long: \(requested) tokens > \(maximum) maximum (\(label): \(message))"
    }

    private static func firstNumber(in text: String, patterns: [String]) -> Int? {
        for pattern in patterns {
            guard let expression = try? NSRegularExpression(pattern: pattern) else { continue }
            let range = NSRange(text.startIndex..., in: text)
            if let match = expression.firstMatch(in: text, range: range), match.numberOfRanges > 1,
                let group = Range(match.range(at: 1), in: text), let number = Int(text[group])
            {
                return number
            }
        }
        return nil
    }
}
